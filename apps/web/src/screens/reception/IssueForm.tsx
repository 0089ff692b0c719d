import type { Department, IssueTokenBody, PatientMatch, Priority } from '@smart-token/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors } from '../../features/errors/ProblemAlert';
import { isSearchablePhone, patientSearchQuery, usePatientSearch } from '../../features/patients/patients';
import { useIdempotencyKey, type IssuedToken, type useIssueToken } from '../../features/queue/actions';
import { LANGUAGES, type Language } from '../../i18n';
import './messages';

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
 * filled in), then Enter again in the name field issues the token in the remembered department.
 */
export function IssueForm({
  departments,
  issue,
  onIssued,
  focusPhone = false,
}: {
  departments: Department[];
  /** Owned by the screen, so a token issued while the form is being replaced still shows its ticket. */
  issue: ReturnType<typeof useIssueToken>;
  onIssued: (token: IssuedToken) => void;
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
  const matchesId = useId();

  const [phone, setPhone] = useState('');
  const [name, setName] = useState('');
  const [language, setLanguage] = useState<Language | ''>('');
  const [chosenDepartmentId, setDepartmentId] = useState(() => localStorage.getItem(DEPARTMENT_KEY) ?? '');
  // The remembered department may have been removed since: the first one stands in.
  const departmentId = departments.some((d) => d.id === chosenDepartmentId) ? chosenDepartmentId : (departments[0]?.id ?? '');
  const [priority, setPriority] = useState<Priority>('normal');
  const [channel, setChannel] = useState<Channel>('');
  const [problems, setProblems] = useState<Problems>({});
  const [lookupFailed, setLookupFailed] = useState(false);

  const search = usePatientSearch(phone);
  const matches = search.data?.matches ?? [];

  // A new patient asked for by the user (not the page opening) starts with the cursor in the phone field.
  useEffect(() => {
    if (focusPhone) phoneRef.current?.focus();
  }, [focusPhone]);

  function chooseDepartment(id: string) {
    setDepartmentId(id);
    localStorage.setItem(DEPARTMENT_KEY, id);
  }

  function pick(match: PatientMatch) {
    setName(match.name);
    if (isLanguage(match.language)) setLanguage(match.language);
    setProblems((p) => ({ ...p, name: undefined }));
    requestAnimationFrame(() => {
      nameRef.current?.focus();
      nameRef.current?.select();
    });
  }

  function phoneProblem(value: string): string | undefined {
    if (!value.trim()) return t('phoneRequired');
    if (!PHONE_CHARS.test(value.trim())) return t('phoneInvalid');
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
    try {
      setLookupFailed(false);
      const result = await client.fetchQuery(patientSearchQuery(phone));
      const first = result.matches[0];
      if (first) pick(first);
      else nameRef.current?.focus();
    } catch {
      setLookupFailed(true);
      nameRef.current?.focus();
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
    issue.reset();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (issue.isPending) return;
    const found: Problems = {
      phone: phoneProblem(phone),
      name: name.trim() ? undefined : t('nameRequired'),
      department: departmentId ? undefined : t('departmentRequired'),
    };
    setProblems(found);
    if (found.phone) return phoneRef.current?.focus();
    if (found.name) return nameRef.current?.focus();
    if (found.department) return departmentRef.current?.focus();

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
          onIssued(token);
        },
      },
    );
  }

  const serverFields = fieldErrors(issue.error);
  const labels = { 'patient.name': t('name'), 'patient.phone': t('phone'), departmentId: common('department'), priority: common('priority'), 'patient.language': t('patientLanguage') };
  const searching = search.isFetching && isSearchablePhone(phone);

  return (
    <form onSubmit={submit} noValidate aria-label={t('newPatient')}>
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
        }}
        onKeyDown={(e) => void onPhoneKeyDown(e)}
        hint={t('phoneHint')}
        error={problems.phone ?? serverFields['patient.phone']}
        maxLength={32}
      />

      <div id={matchesId} className="matches" role="status">
        {searching && <p className="muted">{t('searching')}</p>}
        {lookupFailed && <p className="muted">{t('searchFailed')}</p>}
        {!searching && search.isSuccess && matches.length === 0 && <p className="muted">{t('noMatch')}</p>}
        {matches.length > 0 && <p className="muted">{t('matchesFound', { count: matches.length })}</p>}
      </div>
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
        <Select ref={departmentRef} label={common('department')} value={departmentId} onChange={(e) => chooseDepartment(e.target.value)}>
          {departments.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name} ({d.code})
            </option>
          ))}
        </Select>
      )}
      {problems.department && <p className="field-error">{problems.department}</p>}

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

      <ProblemAlert error={issue.error} labels={labels} />

      <Button type="submit" size="big" className="issue-button" disabled={issue.isPending || departments.length === 0}>
        {issue.isPending ? t('issuing') : t('issue')}
      </Button>
    </form>
  );
}
