import type { MIN_PASSWORD_LENGTH as SERVER_MIN_PASSWORD_LENGTH, Role } from '@smart-token/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors } from '../../features/errors/ProblemAlert';
import { useCreateUser, useUsers } from '../../features/users/users';
import { Notice } from './ConfirmDialog';

// Values, not imports: a value import from the contracts would pull zod into the staff bundle.
const ROLES: readonly Role[] = ['admin', 'receptionist', 'doctor', 'display', 'kiosk'];
const MIN_PASSWORD_LENGTH: typeof SERVER_MIN_PASSWORD_LENGTH = 12;

const EMPTY = { email: '', name: '', role: 'receptionist' as Role, password: '' };

export function Users() {
  const { t } = useTranslation('admin');
  const users = useUsers();
  const create = useCreateUser();
  const [values, setValues] = useState(EMPTY);
  const [notice, setNotice] = useState('');
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
              </tr>
            </thead>
            <tbody>
              {list.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td>{u.email}</td>
                  <td>{t(`role.${u.role}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
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
