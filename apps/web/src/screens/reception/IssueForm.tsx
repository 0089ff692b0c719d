import type { Department, IssueTokenBody, PatientMatch, Priority, Token } from '@smart-token/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors, localProblem, type FieldSpecs } from '../../features/errors/ProblemAlert';
import { isSearchablePhone, patientKeys, patientSearchQuery, usePatientSearch, usePhoneFormat } from '../../features/patients/patients';
import { useIdempotencyKey, type IssuedToken, type useIssueToken } from '../../features/queue/actions';
import { defaultDepartmentId } from '../../features/reception/reception';
import { LANGUAGES, type Language } from '../../i18n';
import './messages';
import { useDepartmentNames } from '../../features/setup/setup';

const PRIORITIES: readonly Priority[] = ['normal', 'priority', 'emergency'];
const DEPARTMENT_KEY = 'smart-token.reception.departmentId';
const PHONE_CHARS = /^\+?[0-9 ()./-]+$/;

type Channel = '' | 'sms' | 'whatsapp';

interface Problems {
  phone?: string;
  name?: string;
  department?: string;
}

const isLanguage = (code: string | undefined): code is Language => LANGUAGES.some((l) => l.code === code);

/**
 * Phone first: the receptionist types the number and presses Enter (a returning patient's name is
 * filled in), then Enter again in the name field issues the token in the entry desk's department
 * (or this desk's last choice). With neither, Enter asks for the department: a token never goes to
 * a guessed one. A phone with a token still in a line today is offered that token first.
 */
export function IssueForm({
  departments,
  issue,
  onIssued,
  onReprint,
  focusPhone = false,
}: {
  /** The departments that take tokens now. */
  departments: Department[];
  /** Owned by the screen, so a token issued while the form is being replaced still shows its ticket. */
  issue: ReturnType<typeof useIssueToken>;
  onIssued: (token: IssuedToken) => void;
  /** The patient already waits: their ticket is printed again instead of a second token. */
  onReprint: (token: Token) => void;
  /** Put the cursor in the phone field: the user asked for a new patient (focus is not taken on page load). */
  focusPhone?: boolean;
}) {
  const { t, i18n } = useTranslation('reception');
  const { t: common } = useTranslation();
  const client = useQueryClient();
  const idempotency = useIdempotencyKey();
  const phoneRef = useRef<HTMLInputElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const departmentRef = useRef<HTMLSelectElement>(null);
  const reprintRef = useRef<HTMLButtonElement>(null);
  const matchesId = useId();
  const departmentNoteId = useId();
  const phoneFormat = usePhoneFormat();

  const [phone, setPhone] = useState('');
  const [name, setName] = useState('');
  const [language, setLanguage] = useState<Language | ''>('');
  const [chosenDepartmentId, setDepartmentId] = useState(() => defaultDepartmentId(departments, localStorage.getItem(DEPARTMENT_KEY)));
  // A department removed or switched off since is no choice: the receptionist is asked again.
  const departmentId = departments.some((d) => d.id === chosenDepartmentId) ? chosenDepartmentId : '';
  const [priority, setPriority] = useState<Priority>('normal');
  const [channel, setChannel] = useState<Channel>('');
  const [problems, setProblems] = useState<Problems>({});
  const [lookupFailed, setLookupFailed] = useState(false);
  /** The receptionist chose to issue a second token although this phone has one in a line. */
  const [secondWanted, setSecondWanted] = useState(false);

  const search = usePatientSearch(phone);
  const matches = search.data?.matches ?? [];
  // The lookup of exactly this phone, however it was made (as typed, at Enter, before issuing): never fetches by itself.
  const lookup = useQuery({ ...patientSearchQuery(phone), enabled: false });
  const stillInLine = isSearchablePhone(phone) ? (lookup.data?.active ?? []) : [];
  const names = useDepartmentNames(departments);
  const departmentName = names.byId;

  const fields: FieldSpecs = {
    'patient.name': t('name'),
    'patient.phone': { label: t('phone'), kind: 'phone', ...(phoneFormat.data?.example && { example: phoneFormat.data.example }) },
    departmentId: { label: common('department'), kind: 'choice' },
    priority: common('priority'),
    'patient.language': t('patientLanguage'),
  };

  // A new patient asked for by the user (not the page opening) starts with the cursor in the phone field.
  useEffect(() => {
    if (focusPhone) phoneRef.current?.focus();
  }, [focusPhone]);

  // The offer of the token the patient already has takes the focus once it is on screen (Enter reprints).
  const offered = stillInLine.length > 0 && !secondWanted;
  const offerFocusWanted = useRef(false);
  useEffect(() => {
    if (offered && offerFocusWanted.current) {
      offerFocusWanted.current = false;
      reprintRef.current?.focus();
    }
  }, [offered]);
  function focusOffer() {
    if (reprintRef.current) reprintRef.current.focus();
    else offerFocusWanted.current = true;
  }

  function chooseDepartment(id: string) {
    setDepartmentId(id);
    localStorage.setItem(DEPARTMENT_KEY, id);
  }

  function pick(match: PatientMatch, focusName = true) {
    setName(match.name);
    if (isLanguage(match.language)) setLanguage(match.language);
    setProblems((p) => ({ ...p, name: undefined }));
    if (!focusName) return;
    requestAnimationFrame(() => {
      nameRef.current?.focus();
      nameRef.current?.select();
    });
  }

  function phoneProblem(value: string): string | undefined {
    if (!value.trim()) return localProblem('patient.phone', 'required', fields);
    if (!PHONE_CHARS.test(value.trim())) return localProblem('patient.phone', 'invalid', fields);
    return undefined;
  }

  /** Enter in the phone field: look the number up now (no waiting for the pause) and take the first match. */
  async function onPhoneKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    const problem = phoneProblem(phone);
    setProblems((p) => ({ ...p, phone: problem }));
    if (problem) return;
    if (!isSearchablePhone(phone)) {
      nameRef.current?.focus();
      return;
    }
    // A receptionist who typed on before the answer came keeps her focus and what she typed.
    const stillInPhone = () => document.activeElement === phoneRef.current;
    try {
      setLookupFailed(false);
      const result = await client.fetchQuery(patientSearchQuery(phone));
      if (!stillInPhone()) return;
      const first = result.matches[0];
      // Already in a line today: their token is offered first (Enter reprints it), not the name field.
      const waitingAlready = (result.active?.length ?? 0) > 0;
      if (first) pick(first, !waitingAlready);
      if (waitingAlready) focusOffer();
      else if (!first) nameRef.current?.focus();
    } catch {
      setLookupFailed(true);
      if (stillInPhone()) nameRef.current?.focus();
    }
  }

  function reset() {
    setPhone('');
    setName('');
    setLanguage('');
    setPriority('normal');
    setChannel('');
    setProblems({});
    setLookupFailed(false);
    setSecondWanted(false);
    issue.reset();
  }

  /** This phone's tokens still in a line today, read again unless just read (another desk may have issued one). */
  async function tokensStillInLine(): Promise<Token[]> {
    if (!isSearchablePhone(phone)) return [];
    try {
      return (await client.fetchQuery(patientSearchQuery(phone))).active ?? [];
    } catch {
      // The lookup failing must not keep a patient without a token: the issue itself says what is wrong.
      return [];
    }
  }

  async function submit(event?: FormEvent, second = secondWanted) {
    event?.preventDefault();
    if (issue.isPending) return;
    const found: Problems = {
      phone: phoneProblem(phone),
      name: name.trim() ? undefined : localProblem('patient.name', 'required', fields),
      department: departmentId ? undefined : t('departmentRequired'),
    };
    setProblems(found);
    if (found.phone) return phoneRef.current?.focus();
    if (found.name) return nameRef.current?.focus();
    if (found.department) return departmentRef.current?.focus();
    if (!second && (await tokensStillInLine()).length > 0) return focusOffer();

    const body: IssueTokenBody = {
      departmentId,
      patient: { name: name.trim(), phone: phone.trim(), ...(language && { language }) },
      priority,
      ...(channel && { notify: { channel, consent: true as const } }),
    };
    const key = idempotency.keyFor(JSON.stringify(body));
    issue.mutate(
      { body, key },
      {
        onSuccess: (token) => {
          idempotency.done();
          reset();
          void client.invalidateQueries({ queryKey: patientKeys.all });
          onIssued(token);
        },
      },
    );
  }

  const serverFields = fieldErrors(issue.error, fields);
  const searching = search.isFetching && isSearchablePhone(phone);
  const waiting = stillInLine[0];

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={t('newPatient')}>
      <Field
        ref={phoneRef}
        label={t('phone')}
        type="tel"
        inputMode="tel"
        dir="ltr"
        className="phone-input"
        autoComplete="off"
        value={phone}
        onChange={(e) => {
          setPhone(e.target.value);
          setLookupFailed(false);
          setSecondWanted(false);
        }}
        onKeyDown={(e) => void onPhoneKeyDown(e)}
        hint={phoneFormat.data?.example ? t('phoneHintExample', { example: phoneFormat.data.example }) : t('phoneHint')}
        error={problems.phone ?? serverFields['patient.phone']}
        maxLength={32}
      />

      <div id={matchesId} className="matches" role="status">
        {searching && <p className="muted">{t('searching')}</p>}
        {lookupFailed && <p className="muted">{t('searchFailed')}</p>}
        {!searching && search.isSuccess && matches.length === 0 && <p className="muted">{t('noMatch')}</p>}
        {matches.length > 0 && <p className="muted">{t('matchesFound', { count: matches.length })}</p>}
      </div>
      {waiting && offered && (
        <div className="already-waiting" role="alert">
          <p className="already-waiting-text">
            {stillInLine.length === 1
              ? t('alreadyWaiting', { number: waiting.number, department: departmentName(waiting.departmentId), status: common(`status.${waiting.status}`) })
              : t('alreadyWaitingMany', { numbers: stillInLine.map((x) => x.number).join(', ') })}
          </p>
          <div className="button-row">
            <Button ref={reprintRef} onClick={() => onReprint(waiting)}>
              {t('reprintExisting', { number: waiting.number })}
            </Button>
            <Button
              tone="secondary"
              onClick={() => {
                setSecondWanted(true);
                if (name.trim()) void submit(undefined, true);
                else nameRef.current?.focus();
              }}
            >
              {t('issueSecond')}
            </Button>
          </div>
        </div>
      )}
      {matches.length > 0 && (
        <ul className="match-list" aria-label={t('returning')}>
          {matches.map((m) => (
            <li key={`${m.name}-${m.lastNumber}-${m.lastVisitAt}`}>
              <button type="button" className="match" onClick={() => pick(m)}>
                <span className="match-name">{t('useMatch', { name: m.name })}</span>
                <span className="match-meta">
                  {t('lastVisit', { date: new Date(m.lastVisitAt).toLocaleDateString(i18n.language, { dateStyle: 'medium' }), number: m.lastNumber })}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}

      <Field
        ref={nameRef}
        label={t('name')}
        autoComplete="off"
        value={name}
        onChange={(e) => setName(e.target.value)}
        hint={t('nameHint')}
        error={problems.name ?? serverFields['patient.name']}
        maxLength={120}
      />

      {departments.length === 0 ? (
        <p className="field-error">{t('noDepartments')}</p>
      ) : (
        <Select
          ref={departmentRef}
          label={common('department')}
          value={departmentId}
          onChange={(e) => chooseDepartment(e.target.value)}
          // Asked for the department, the receptionist picks it with the arrows and Enter issues, as in the name field.
          onKeyDown={(e) => {
            if (e.key !== 'Enter') return;
            e.preventDefault();
            void submit();
          }}
          aria-invalid={problems.department ? true : undefined}
          aria-describedby={departmentNoteId}
        >
          {!departmentId && (
            <option value="" disabled>
              {t('chooseDepartment')}
            </option>
          )}
          {departments.map((d) => (
            <option key={d.id} value={d.id}>
              {names.of(d)} ({d.code})
            </option>
          ))}
        </Select>
      )}
      <p id={departmentNoteId} className={problems.department ? 'field-error department-note' : 'field-hint department-note'}>
        {problems.department ?? (departmentId ? '' : t('departmentUnset'))}
      </p>

      <fieldset className="priority-group">
        <legend>{common('priority')}</legend>
        {PRIORITIES.map((p) => (
          <label key={p} className={`priority-option priority-${p}`}>
            <input type="radio" name="priority" value={p} checked={priority === p} onChange={() => setPriority(p)} />
            <span>{common(`priority.${p}`)}</span>
          </label>
        ))}
      </fieldset>

      <div className="form-row">
        <Select label={t('patientLanguage')} value={language} onChange={(e) => setLanguage(e.target.value as Language | '')}>
          <option value="">{t('languageUnset')}</option>
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code} lang={l.code}>
              {l.label}
            </option>
          ))}
        </Select>
        <Select label={t('updates')} value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
          <option value="">{t('updatesNone')}</option>
          <option value="sms">{t('updatesSms')}</option>
          <option value="whatsapp">{t('updatesWhatsapp')}</option>
        </Select>
      </div>

      <ProblemAlert error={issue.error} fields={fields} />

      <Button type="submit" size="big" className="issue-button" disabled={issue.isPending || departments.length === 0}>
        {issue.isPending ? t('issuing') : t('issue')}
      </Button>
    </form>
  );
}
