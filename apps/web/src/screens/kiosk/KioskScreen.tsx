import type { CheckInResponse, Department } from '@smart-token/contracts';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useEffectEvent, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldErrors, problemMessage, type FieldSpecs } from '../../features/errors/ProblemAlert';
import { usePhoneFormat } from '../../features/patients/patients';
import { departmentName, useDepartments } from '../../features/setup/setup';
import { useBranding } from '../../features/ticket/branding';
import { Ticket, paperFormat, printTicket, type TicketData } from '../../features/ticket/Ticket';
import { LANGUAGES, setLanguage, type Language } from '../../i18n';
import { ApiError, idempotencyKey, post } from '../../lib/api';
import './kiosk.css';
import './messages';
import { DeviceGate } from '../../features/devices/DeviceGate';
import { OnScreenKeyboard } from './OnScreenKeyboard';
import { useIdleReset } from './useIdleReset';

/** Nobody touching the screen this long: the next patient gets a clean start (and nobody sees the last one's details). */
const IDLE_MS = 30_000;
const IDLE_WARNING_MS = 10_000;
/** After printing, time to take the ticket (and read the screen) before it starts again for the next patient. */
const AFTER_PRINT_SECONDS = 15;
const MIN_PHONE_DIGITS = 7;
const KEYPAD = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '0'] as const;

type Step = { kind: 'department' } | { kind: 'details'; department: Department } | { kind: 'done'; ticket: TicketData; printed: boolean };
type Field = 'name' | 'phone';

interface CheckInInput {
  departmentId: string;
  name: string;
  phone: string;
  notify: boolean;
  key: string;
}

interface FieldErrors {
  name?: string;
  phone?: string;
}

/** A touch on a key keeps the caret in the field (the key itself does not take the focus). */
const keepFocus = (event: { preventDefault(): void }) => event.preventDefault();

function LanguageButtons({ label }: { label: string }) {
  const { i18n } = useTranslation();
  return (
    <div className="kiosk-languages" role="group" aria-label={label}>
      {LANGUAGES.map((l) => (
        <button key={l.code} type="button" lang={l.code} className="kiosk-language" aria-pressed={i18n.language === l.code} onClick={() => setLanguage(l.code)}>
          {l.label}
        </button>
      ))}
    </div>
  );
}

/**
 * Touch-screen self check-in: department, then name (on-screen letters in the language's script)
 * and phone (keypad), then the ticket prints by itself and a countdown shows when the screen starts
 * again. Laid out for a portrait screen; a landscape one gets the keyboard beside the fields.
 */
export function KioskScreen({ deviceDepartmentIds }: { deviceDepartmentIds?: readonly string[] } = {}) {
  const { t, i18n } = useTranslation('kiosk');
  const departments = useDepartments();
  const { branding } = useBranding();
  const phoneFormat = usePhoneFormat();
  /**
   * The fields as the shared error sentences name them (a refused phone cites the clinic's example
   * number); the server names them as the check-in body's (`name`) or the patient's (`patient.phone`).
   */
  const phoneSpec = { label: t('phone'), kind: 'phone', example: phoneFormat.data?.example } as const;
  const fields: FieldSpecs = { name: t('name'), phone: phoneSpec, 'patient.name': t('name'), 'patient.phone': phoneSpec };
  // Deactivated departments take no tokens (the server refuses them): they are not offered.
  // A paired kiosk offers only the departments its key names; `off` takes no self check-in at all.
  const open = (departments.data ?? []).filter((d) => d.selfCheckIn !== 'off' && d.active && (!deviceDepartmentIds || deviceDepartmentIds.includes(d.id)));
  // The kiosk's own language, as it started: a patient's choice is undone when they leave.
  const [defaultLanguage] = useState(() => i18n.language as Language);
  const [step, setStep] = useState<Step>({ kind: 'department' });
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [notify, setNotify] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [field, setField] = useState<Field>('name');
  const [secondsLeft, setSecondsLeft] = useState(AFTER_PRINT_SECONDS);
  const heading = useRef<HTMLHeadingElement>(null);
  /** One key per filled-in form: a retry of the same details is recognised, a changed form is a new check-in. */
  const key = useRef<string | undefined>(undefined);
  const nameId = useId();
  const phoneId = useId();
  const notifyId = useId();

  // The printer's paper is part of the kiosk's bookmark (`/kiosk?paper=a6`), remembered by its browser.
  useEffect(() => void paperFormat(), []);

  const checkIn = useMutation({
    mutationFn: (input: CheckInInput) =>
      post<CheckInResponse>(
        '/public/check-in',
        { departmentId: input.departmentId, name: input.name, phone: input.phone, ...(input.notify && { notify: { channel: 'sms', consent: true } }) },
        { 'Idempotency-Key': input.key },
      ),
    // A dropped connection is retried with the same key: the server hands back the same token, never a second one.
    retry: (count, error) => !(error instanceof ApiError) && count < 2,
    retryDelay: 1000,
  });

  function reset() {
    setStep({ kind: 'department' });
    setName('');
    setPhone('');
    setNotify(false);
    setErrors({});
    setField('name');
    checkIn.reset();
    key.current = undefined;
    if (i18n.language !== defaultLanguage) setLanguage(defaultLanguage);
  }

  const idle = useIdleReset(step.kind !== 'department' || i18n.language !== defaultLanguage, IDLE_MS, IDLE_WARNING_MS, reset);

  // Each step is announced: focus moves to its heading.
  const firstStep = useRef(true);
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    heading.current?.focus();
  }, [step.kind]);

  // After printing, a countdown: the patient sees how long the screen stays, then it is the next patient's.
  const resetAfterPrint = useEffectEvent(reset);
  const printedAt = step.kind === 'done' && step.printed ? step : undefined;
  useEffect(() => {
    if (!printedAt) return;
    const started = Date.now();
    const timer = setInterval(() => {
      const left = AFTER_PRINT_SECONDS - Math.floor((Date.now() - started) / 1000);
      if (left <= 0) resetAfterPrint();
      else setSecondsLeft(left);
    }, 250);
    return () => clearInterval(timer);
  }, [printedAt]);

  const edit = <T,>(set: (value: T) => void) => (value: T) => {
    key.current = undefined;
    checkIn.reset();
    set(value);
  };
  const editName = edit(setName);
  const editPhone = edit(setPhone);

  function typeName(value: string) {
    editName(value);
    setErrors((e) => ({ ...e, name: undefined }));
  }

  function press(digit: string) {
    if (digit === '+' && phone.length > 0) return;
    editPhone(phone + digit);
    setErrors((e) => ({ ...e, phone: undefined }));
  }

  function showError(found: FieldErrors) {
    setErrors(found);
    if (!found.name && !found.phone) return;
    const first: Field = found.name ? 'name' : 'phone';
    setField(first);
    document.getElementById(first === 'name' ? nameId : phoneId)?.focus();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (step.kind !== 'details' || checkIn.isPending) return;
    const found: FieldErrors = {
      ...(name.trim() === '' && { name: t('nameRequired') }),
      ...(phone.replace(/\D/g, '').length < MIN_PHONE_DIGITS && { phone: t('phoneRequired') }),
    };
    if (found.name || found.phone) return showError(found);
    setErrors({});
    key.current ??= idempotencyKey();
    const department = step.department;
    checkIn.mutate(
      { departmentId: department.id, name: name.trim(), phone: phone.trim(), notify, key: key.current },
      {
        onSuccess: (response) => {
          setName('');
          setPhone('');
          setStep({
            kind: 'done',
            printed: false,
            ticket: {
              number: response.number,
              departmentName: departmentName(department, i18n.language),
              issuedAt: new Date().toISOString(),
              statusUrl: response.statusUrl,
              position: response.position,
              estimatedWait: response.estimatedWait,
            },
          });
        },
        onError: (error) => {
          const refused = fieldErrors(error, fields);
          const found = { name: refused.name ?? refused['patient.name'], phone: refused.phone ?? refused['patient.phone'] };
          if (found.name || found.phone) showError(found);
        },
      },
    );
  }

  /** Prints the ticket on this kiosk's paper; with Chromium's --kiosk-printing it goes straight to the printer. */
  function print() {
    if (step.kind !== 'done') return;
    if (!printTicket()) return;
    setSecondsLeft(AFTER_PRINT_SECONDS);
    setStep({ ...step, printed: true });
  }

  /** The ticket prints by itself once its QR code and the clinic's logo are drawn. */
  function autoPrint() {
    if (step.kind === 'done' && !step.printed) print();
  }

  const error = checkIn.error;
  const formError =
    error === null
      ? undefined
      : !(error instanceof ApiError)
        ? t('offline')
        : error.status === 429
          ? t('tooMany')
          : error.status === 403
            ? t('closed')
            : error.status === 400 && (errors.name || errors.phone)
              ? undefined
              : problemMessage(error, fields);

  const clinic = branding?.clinicName;
  return (
    <div className="kiosk">
      <header className="kiosk-header">
        <p className="kiosk-brand">
          {branding?.logoUrl && <img className="kiosk-logo" src={branding.logoUrl} alt="" />}
          <span>
            {clinic ?? i18n.t('appName')} · {t('title')}
          </span>
        </p>
        <LanguageButtons label={t('chooseLanguage')} />
      </header>
      <main id="main" className="kiosk-main">
        {step.kind === 'department' && (
          <>
            <h1 ref={heading} tabIndex={-1}>
              {t('welcome')}
            </h1>
            {departments.isPending && <p role="status">{i18n.t('loading')}</p>}
            {departments.isError && (
              <div className="kiosk-alert" role="alert">
                <p>{t('offline')}</p>
                <button type="button" className="kiosk-button kiosk-secondary" onClick={() => void departments.refetch()}>
                  {i18n.t('retry')}
                </button>
              </div>
            )}
            {departments.isSuccess && open.length === 0 && (
              <p className="kiosk-alert" role="alert">
                {t('noDepartments')}
              </p>
            )}
            {open.length > 0 && (
              <>
                <p className="kiosk-lead">{t('chooseDepartment')}</p>
                <ul className="kiosk-departments">
                  {open.map((d) => (
                    <li key={d.id}>
                      <button type="button" className="kiosk-department" onClick={() => setStep({ kind: 'details', department: d })}>
                        <span className="kiosk-department-name">{departmentName(d, i18n.language)}</span>
                        <span className="kiosk-department-code" aria-hidden="true">
                          {d.code}
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </>
        )}

        {step.kind === 'details' && (
          <form className="kiosk-form" onSubmit={submit} noValidate autoComplete="off">
            <div className="kiosk-form-head">
              <h1 ref={heading} tabIndex={-1}>
                {t('details')}
              </h1>
              <p className="kiosk-lead">{t('detailsFor', { department: departmentName(step.department, i18n.language) })}</p>
            </div>
            <div className="kiosk-fields">
              <div className={`kiosk-field${field === 'name' ? ' kiosk-field-active' : ''}`}>
                <label htmlFor={nameId}>{t('name')}</label>
                <input
                  id={nameId}
                  name="kiosk-name"
                  value={name}
                  // The kiosk's own letters stand in for a tablet's keyboard, which would cover half the screen.
                  inputMode="none"
                  onFocus={() => setField('name')}
                  onChange={(e) => typeName(e.target.value)}
                  autoComplete="off"
                  autoCapitalize="words"
                  spellCheck={false}
                  maxLength={120}
                  aria-invalid={errors.name ? true : undefined}
                  aria-describedby={`${nameId}-note`}
                />
                <small id={`${nameId}-note`} className={errors.name ? 'kiosk-error' : 'kiosk-hint'}>
                  {errors.name ?? t('nameHint')}
                </small>
              </div>
              <div className={`kiosk-field${field === 'phone' ? ' kiosk-field-active' : ''}`}>
                <label htmlFor={phoneId}>{t('phone')}</label>
                <input
                  id={phoneId}
                  name="kiosk-phone"
                  type="tel"
                  inputMode="none"
                  dir="ltr"
                  value={phone}
                  onFocus={() => setField('phone')}
                  onChange={(e) => {
                    editPhone(e.target.value);
                    setErrors((x) => ({ ...x, phone: undefined }));
                  }}
                  autoComplete="off"
                  maxLength={32}
                  aria-invalid={errors.phone ? true : undefined}
                  aria-describedby={`${phoneId}-note`}
                />
                <small id={`${phoneId}-note`} className={errors.phone ? 'kiosk-error' : 'kiosk-hint'}>
                  {errors.phone ?? t('phoneHint')}
                </small>
              </div>
              <div className="kiosk-check">
                <input id={notifyId} type="checkbox" checked={notify} onChange={(e) => edit(setNotify)(e.target.checked)} />
                <label htmlFor={notifyId}>{t('notify')}</label>
              </div>
            </div>
            <div className="kiosk-keys">
              {field === 'name' ? (
                <OnScreenKeyboard value={name} onChange={typeName} label={t('nameKeyboard')} />
              ) : (
                <div className="kiosk-keypad" role="group" aria-label={t('keypad')} dir="ltr">
                  {KEYPAD.map((k) => (
                    <button key={k} type="button" className="kiosk-key" onPointerDown={keepFocus} onClick={() => press(k)}>
                      {k}
                    </button>
                  ))}
                  <button type="button" className="kiosk-key" aria-label={t('deleteDigit')} onPointerDown={keepFocus} onClick={() => editPhone(phone.slice(0, -1))}>
                    ⌫
                  </button>
                </div>
              )}
            </div>
            {formError && (
              <p className="kiosk-alert kiosk-form-error" role="alert">
                {formError}
              </p>
            )}
            <div className="kiosk-actions">
              <button type="button" className="kiosk-button kiosk-secondary" onClick={reset}>
                {t('back')}
              </button>
              <button type="submit" className="kiosk-button kiosk-primary" disabled={checkIn.isPending} aria-disabled={checkIn.isPending}>
                {checkIn.isPending ? t('submitting') : t('submit')}
              </button>
            </div>
          </form>
        )}

        {step.kind === 'done' && (
          <div className="kiosk-done">
            <h1 ref={heading} tabIndex={-1}>
              {t('done')}
            </h1>
            <p className="kiosk-lead" role="status">
              {step.printed ? `${t('printing')} ${t('resetSoon')}` : t('doneIntro')}
            </p>
            {step.printed && (
              <p className="kiosk-countdown" aria-hidden="true">
                {t('resetIn', { seconds: secondsLeft })}
              </p>
            )}
            <Ticket data={step.ticket} onReady={autoPrint} />
            <div className="kiosk-actions">
              <button type="button" className="kiosk-button kiosk-secondary" onClick={print}>
                {step.printed ? t('printAgain') : t('print')}
              </button>
              <button type="button" className="kiosk-button kiosk-primary" onClick={reset}>
                {t('finish')}
              </button>
            </div>
          </div>
        )}
      </main>
      {idle.secondsLeft !== undefined && (
        <div className="kiosk-idle">
          {/* Read out once; the countdown itself would be re-read every second. */}
          <p role="alert" className="visually-hidden">
            {t('idleWarning', { seconds: Math.ceil(IDLE_WARNING_MS / 1000) })}
          </p>
          <p aria-hidden="true">{t('idleWarning', { seconds: idle.secondsLeft })}</p>
          <button type="button" className="kiosk-button kiosk-primary" onClick={idle.stillHere}>
            {t('stillHere')}
          </button>
        </div>
      )}
    </div>
  );
}

/** `/kiosk`: staff signed in see it as before; a paired kiosk runs on its device cookie; an unpaired or revoked one shows pairing. */
export function DeviceKioskScreen() {
  return <DeviceGate kind="kiosk" staffRoles={['admin', 'kiosk']}>{(device) => <KioskScreen {...(device && { deviceDepartmentIds: device.departmentIds })} />}</DeviceGate>;
}
