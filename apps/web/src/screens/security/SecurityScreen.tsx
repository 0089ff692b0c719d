import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { Shell } from '../../app/Shell';
import { Alert, Badge, Button, Field } from '../../components/ui/ui';
import { HOME_OF, useMe } from '../../features/auth/auth';
import { ProblemAlert, fieldErrors } from '../../features/errors/ProblemAlert';
import { useChangePassword, useEndSession, useLogoutEverywhere, useMySessions } from '../../features/security/security';
import './messages';
import './security.css';
import { TwoFactorSection } from './TwoFactor';

const EMPTY = { currentPassword: '', newPassword: '', repeat: '' };

/** People (not devices) may turn on two-step sign-in. */
const PEOPLE = new Set(['admin', 'receptionist', 'doctor']);

/**
 * My sessions (sign out a device I left signed in), my password and two-step sign-in. An admin's
 * reset lands here first (change the password), and so does an admin without two-step sign-in (turn it on).
 */
export function SecurityScreen() {
  const { t, i18n } = useTranslation('security');
  const me = useMe();
  const navigate = useNavigate();
  const sessions = useMySessions();
  const end = useEndSession();
  const everywhere = useLogoutEverywhere();
  const change = useChangePassword();
  const [values, setValues] = useState(EMPTY);
  const [mismatch, setMismatch] = useState(false);
  const [notice, setNotice] = useState('');
  const mustChange = me.data?.passwordChangeRequired === true;
  // Until it is on, the server refuses everything else (403 MFA_ENROLMENT_REQUIRED): only enrolment is shown.
  const mustEnrol = !mustChange && me.data?.mfaEnrolmentRequired === true;
  const when = (iso: string) => new Date(iso).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  const fields = { currentPassword: { label: t('currentPassword'), kind: 'password' as const }, newPassword: { label: t('newPassword'), kind: 'password' as const } };
  const errors = fieldErrors(change.error, fields);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (change.isPending) return;
    setNotice('');
    const same = values.newPassword === values.repeat;
    setMismatch(!same);
    if (!same) return;
    change.mutate(
      { currentPassword: values.currentPassword, newPassword: values.newPassword },
      {
        onSuccess: () => {
          setValues(EMPTY);
          setNotice(t('changed'));
          if (mustChange && me.data) void navigate(HOME_OF[me.data.role]);
        },
      },
    );
  }

  return (
    <Shell>
      <h1>{t('title')}</h1>
      {mustChange && <Alert tone="info">{t('mustChange')}</Alert>}
      {mustEnrol && <Alert tone="info">{t('mustEnrol')}</Alert>}
      {!mustChange && me.data && PEOPLE.has(me.data.role) && (
        <TwoFactorSection me={me.data} onDone={(wasRequired) => wasRequired && me.data && void navigate(HOME_OF[me.data.role])} />
      )}
      {!mustEnrol && (
        <form onSubmit={submit} noValidate className="security-form" aria-labelledby="password-heading">
          <h2 id="password-heading">{t('passwordHeading')}</h2>
          <Field
            label={t('currentPassword')}
            type="password"
            autoComplete="current-password"
            value={values.currentPassword}
            onChange={(e) => setValues((v) => ({ ...v, currentPassword: e.target.value }))}
            maxLength={128}
            error={errors.currentPassword}
          />
          <Field
            label={t('newPassword')}
            type="password"
            autoComplete="new-password"
            value={values.newPassword}
            onChange={(e) => setValues((v) => ({ ...v, newPassword: e.target.value }))}
            maxLength={128}
            hint={t('passwordHint')}
            error={errors.newPassword}
          />
          <Field
            label={t('repeatPassword')}
            type="password"
            autoComplete="new-password"
            value={values.repeat}
            onChange={(e) => setValues((v) => ({ ...v, repeat: e.target.value }))}
            maxLength={128}
            error={mismatch ? t('notSame') : undefined}
          />
          <ProblemAlert error={change.error} fields={fields} />
          <Button type="submit" disabled={change.isPending}>
            {change.isPending ? t('changing') : t('change')}
          </Button>
          <p role="status" className="security-message">
            {notice}
          </p>
        </form>
      )}

      {!mustChange && !mustEnrol && (
        <section aria-labelledby="sessions-heading">
          <h2 id="sessions-heading">{t('sessionsHeading')}</h2>
          <p className="field-hint">{t('sessionsHint')}</p>
          <ProblemAlert error={sessions.error ?? end.error ?? everywhere.error} />
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('colDevice')}</th>
                  <th scope="col">{t('colAddress')}</th>
                  <th scope="col">{t('colSince')}</th>
                  <th scope="col">{t('colLastSeen')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('signOutThere')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {(sessions.data ?? []).map((s) => (
                  <tr key={s.id}>
                    <td>
                      {s.device} {s.current && <Badge tone="ok">{t('thisDevice')}</Badge>}
                    </td>
                    <td dir="ltr">{s.ip ?? '—'}</td>
                    <td>{when(s.createdAt)}</td>
                    <td>{when(s.lastSeenAt)}</td>
                    <td>
                      {!s.current && (
                        <Button tone="secondary" disabled={end.isPending} onClick={() => end.mutate(s.id, { onSuccess: () => setNotice(t('signedOutThere')) })}>
                          {t('signOutThere')}
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Button tone="secondary" className="security-sessions-end" disabled={everywhere.isPending} onClick={() => everywhere.mutate(undefined, { onSuccess: () => void navigate('/login') })}>
            {t('signOutEverywhere')}
          </Button>
        </section>
      )}
    </Shell>
  );
}
