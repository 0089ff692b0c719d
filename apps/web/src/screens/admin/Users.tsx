import type { Department, MIN_PASSWORD_LENGTH as SERVER_MIN_PASSWORD_LENGTH, Role, StaffUser, StaffUserWithDepartments } from '@smart-token/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors } from '../../features/errors/ProblemAlert';
import { useUserAction } from '../../features/security/security';
import { departmentName, useDepartments } from '../../features/setup/setup';
import { DepartmentPicker } from '../../features/users/DepartmentPicker';
import { useAccessSettings, useCreateUser, useSetAccessSettings, useSetUserDepartments, useUsers } from '../../features/users/users';
import '../../features/users/messages';
import { Check } from './Check';
import { ConfirmDialog, Notice } from './ConfirmDialog';

// Values, not imports: a value import from the contracts would pull zod into the staff bundle.
const ROLES: readonly Role[] = ['admin', 'receptionist', 'doctor', 'display', 'kiosk'];
const MIN_PASSWORD_LENGTH: typeof SERVER_MIN_PASSWORD_LENGTH = 12;

const EMPTY = { email: '', name: '', role: 'receptionist' as Role, password: '', departmentIds: [] as string[] };
/** Roles whose work is bound to departments (admins work everywhere; devices are bound by their keys). */
const PEOPLE_WITH_DEPARTMENTS = new Set<Role>(['doctor', 'receptionist']);

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

/** Where a person works, as the list shows it; a doctor with none is warned about (they cannot call anyone). */
function DepartmentsCell({ user, departments, receptionEverywhere }: { user: StaffUserWithDepartments; departments: Department[]; receptionEverywhere: boolean }) {
  const { t, i18n } = useTranslation('userDepartments');
  if (user.role === 'admin' || (user.role === 'receptionist' && receptionEverywhere)) return <>{t('everyDepartment')}</>;
  if (!PEOPLE_WITH_DEPARTMENTS.has(user.role)) return null;
  if (user.departmentIds.length === 0) {
    return user.role === 'doctor' ? <Badge tone="warn">{t('noDepartmentWarning')}</Badge> : <>{t('none')}</>;
  }
  const names = user.departmentIds.map((id) => {
    const d = departments.find((x) => x.id === id);
    return d ? departmentName(d, i18n.language) : id;
  });
  return <>{names.join(', ')}</>;
}

/** Changes the departments of one person (doctors and receptionists), in a dialog. */
function EditDepartments({ user, departments, onDone }: { user: StaffUserWithDepartments; departments: Department[]; onDone: (message: string) => void }) {
  const { t, i18n } = useTranslation('userDepartments');
  const save = useSetUserDepartments();
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<string[]>(user.departmentIds);
  if (!PEOPLE_WITH_DEPARTMENTS.has(user.role)) return null;
  const names = (ids: string[]) => ids.map((id) => departments.find((d) => d.id === id)).flatMap((d) => (d ? [departmentName(d, i18n.language)] : []));
  return (
    <>
      <Button
        tone="secondary"
        onClick={() => {
          setChosen(user.departmentIds);
          save.reset();
          setOpen(true);
        }}
      >
        {t('editDepartments')}
      </Button>
      {open && (
        <ConfirmDialog
          title={t('editTitle', { name: user.name })}
          confirmLabel={t('save')}
          pending={save.isPending}
          onCancel={() => setOpen(false)}
          onConfirm={() =>
            save.mutate(
              { userId: user.id, departmentIds: chosen },
              {
                onSuccess: (saved) => {
                  setOpen(false);
                  onDone(saved.departmentIds.length ? t('saved', { name: user.name, departments: names(saved.departmentIds).join(', ') }) : t('savedNone', { name: user.name }));
                },
              },
            )
          }
        >
          <DepartmentPicker departments={departments} value={chosen} onChange={setChosen} disabled={save.isPending} />
          <ProblemAlert error={save.error} />
        </ConfirmDialog>
      )}
    </>
  );
}

/** The clinic's choice: receptionists everywhere (the default) or only in their departments. */
function ReceptionScope() {
  const { t } = useTranslation('userDepartments');
  const access = useAccessSettings();
  const set = useSetAccessSettings();
  if (!access.data) return <ProblemAlert error={access.error} />;
  return (
    <div>
      <Check label={t('receptionEverywhere')} checked={access.data.receptionistsEverywhere} onChange={(receptionistsEverywhere) => set.mutate({ receptionistsEverywhere })} />
      <p className="field-hint">{t('receptionEverywhereHint')}</p>
      <ProblemAlert error={set.error} />
    </div>
  );
}

export function Users() {
  const { t } = useTranslation('admin');
  const { t: td } = useTranslation('userDepartments');
  const users = useUsers();
  const departments = useDepartments().data ?? [];
  const receptionEverywhere = useAccessSettings().data?.receptionistsEverywhere ?? true;
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
    create.mutate({ ...values, departmentIds: PEOPLE_WITH_DEPARTMENTS.has(values.role) ? values.departmentIds : [] }, {
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
                <th scope="col">{td('colDepartments')}</th>
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
                    <DepartmentsCell user={u} departments={departments} receptionEverywhere={receptionEverywhere} />
                  </td>
                  <td>
                    {u.disabled ? <Badge tone="warn">{t('statusDisabled')}</Badge> : u.locked ? <Badge tone="warn">{t('statusLocked')}</Badge> : <Badge tone="ok">{t('statusActive')}</Badge>}
                  </td>
                  <td>
                    <EditDepartments user={u} departments={departments} onDone={setUserNotice} />
                    <UserActions user={u} onDone={setUserNotice} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Notice text={userNotice} />
      <ReceptionScope />
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
        {PEOPLE_WITH_DEPARTMENTS.has(values.role) && departments.length > 0 && (
          <DepartmentPicker departments={departments} value={values.departmentIds} onChange={(departmentIds) => set({ departmentIds })} />
        )}
        <ProblemAlert error={create.error} labels={{ email: t('email'), name: t('userName'), role: t('role'), password: t('password'), departmentIds: td('departments') }} />
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? t('creating') : t('create')}
        </Button>
        <Notice text={notice} />
      </form>
    </>
  );
}
