import type { MIN_PASSWORD_LENGTH as SERVER_MIN_PASSWORD_LENGTH, Role, StaffUser } from '@smart-token/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors } from '../../features/errors/ProblemAlert';
import { useUserAction } from '../../features/security/security';
import { useCreateUser, useUsers } from '../../features/users/users';
import { ConfirmDialog, Notice } from './ConfirmDialog';

// Values, not imports: a value import from the contracts would pull zod into the staff bundle.
const ROLES: readonly Role[] = ['admin', 'receptionist', 'doctor', 'display', 'kiosk'];
const MIN_PASSWORD_LENGTH: typeof SERVER_MIN_PASSWORD_LENGTH = 12;

const EMPTY = { email: '', name: '', role: 'receptionist' as Role, password: '' };

type UserAction = 'disable' | 'enable' | 'unlock' | 'reset' | 'endSessions';
/** Actions that are hard to take back ask first. */
const CONFIRM: Partial<Record<UserAction, string>> = { disable: 'confirmDisable', reset: 'confirmReset', endSessions: 'confirmEndSessions' };
const DONE: Record<Exclude<UserAction, 'reset'>, string> = { disable: 'userDisabled', enable: 'userEnabled', unlock: 'userUnlocked', endSessions: 'sessionsEnded' };

/** An admin's security actions on one user: disable or enable, unlock, reset the password, sign out everywhere. */
function UserActions({ user, onDone }: { user: StaffUser; onDone: (message: string) => void }) {
  const { t } = useTranslation('admin');
  const action = useUserAction();
  const [asking, setAsking] = useState<UserAction | null>(null);
  const run = (kind: UserAction) =>
    action.mutate(
      { user, action: kind },
      {
        onSuccess: (temporaryPassword) => {
          setAsking(null);
          onDone(kind === 'reset' ? t('temporaryPassword', { name: user.name, password: temporaryPassword }) : t(DONE[kind], { name: user.name }));
        },
      },
    );
  const ask = (kind: UserAction) => (CONFIRM[kind] ? setAsking(kind) : run(kind));
  return (
    <div className="button-row">
      <Button tone="secondary" disabled={action.isPending} onClick={() => ask(user.disabled ? 'enable' : 'disable')}>
        {user.disabled ? t('enableUser') : t('disableUser')}
      </Button>
      {user.locked && (
        <Button tone="secondary" disabled={action.isPending} onClick={() => ask('unlock')}>
          {t('unlockUser')}
        </Button>
      )}
      <Button tone="secondary" disabled={action.isPending} onClick={() => ask('reset')}>
        {t('resetPassword')}
      </Button>
      <Button tone="secondary" disabled={action.isPending} onClick={() => ask('endSessions')}>
        {t('endSessions')}
      </Button>
      {!asking && <ProblemAlert error={action.error} />}
      {asking && (
        <ConfirmDialog
          title={t(asking === 'disable' ? 'disableUser' : asking === 'reset' ? 'resetPassword' : 'endSessions')}
          confirmLabel={t(asking === 'disable' ? 'disableUser' : asking === 'reset' ? 'resetPassword' : 'endSessions')}
          tone="danger"
          pending={action.isPending}
          onConfirm={() => run(asking)}
          onCancel={() => setAsking(null)}
        >
          <p>{t(CONFIRM[asking]!, { name: user.name })}</p>
          <ProblemAlert error={action.error} />
        </ConfirmDialog>
      )}
    </div>
  );
}

export function Users() {
  const { t } = useTranslation('admin');
  const users = useUsers();
  const create = useCreateUser();
  const [values, setValues] = useState(EMPTY);
  const [notice, setNotice] = useState('');
  const [userNotice, setUserNotice] = useState('');
  const set = (patch: Partial<typeof EMPTY>) => setValues((v) => ({ ...v, ...patch }));
  const errors = fieldErrors(create.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    setNotice('');
    create.mutate(values, {
      onSuccess: (user) => {
        setNotice(t('userCreated', { name: user.name, email: user.email }));
        setValues(EMPTY);
      },
    });
  }

  const list = [...(users.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <>
      <ProblemAlert error={users.error} />
      {list.length > 0 && (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colName')}</th>
                <th scope="col">{t('colEmail')}</th>
                <th scope="col">{t('colRole')}</th>
                <th scope="col">{t('colStatus')}</th>
                <th scope="col">{t('colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td>{u.email}</td>
                  <td>{t(`role.${u.role}`)}</td>
                  <td>
                    {u.disabled ? <Badge tone="warn">{t('statusDisabled')}</Badge> : u.locked ? <Badge tone="warn">{t('statusLocked')}</Badge> : <Badge tone="ok">{t('statusActive')}</Badge>}
                  </td>
                  <td>
                    <UserActions user={u} onDone={setUserNotice} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Notice text={userNotice} />
      <form onSubmit={submit} noValidate className="admin-form" aria-labelledby="new-user-heading">
        <h3 id="new-user-heading">{t('newUser')}</h3>
        <div className="form-grid">
          <Field label={t('email')} type="email" autoComplete="off" value={values.email} onChange={(e) => set({ email: e.target.value })} maxLength={254} error={errors.email} />
          <Field label={t('userName')} autoComplete="off" value={values.name} onChange={(e) => set({ name: e.target.value })} maxLength={120} error={errors.name} />
          <Select label={t('role')} value={values.role} onChange={(e) => set({ role: e.target.value as Role })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </Select>
          <Field
            label={t('password')}
            type="password"
            autoComplete="new-password"
            value={values.password}
            onChange={(e) => set({ password: e.target.value })}
            minLength={MIN_PASSWORD_LENGTH}
            maxLength={128}
            hint={t('passwordHint')}
            error={errors.password}
          />
        </div>
        <ProblemAlert error={create.error} labels={{ email: t('email'), name: t('userName'), role: t('role'), password: t('password') }} />
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? t('creating') : t('create')}
        </Button>
        <Notice text={notice} />
      </form>
    </>
  );
}
