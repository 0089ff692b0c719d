import type { Counter, Department } from '@smart-token/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors } from '../../features/errors/ProblemAlert';
import { useCreateCounter } from '../../features/setup/mutations';

export function Counters({ departments, counters, announce }: { departments: Department[]; counters: Counter[]; announce: (text: string) => void }) {
  const { t } = useTranslation('admin');
  const create = useCreateCounter();
  const [departmentId, setDepartmentId] = useState('');
  const [name, setName] = useState('');
  const errors = fieldErrors(create.error);
  const nameOf = (id: string) => departments.find((d) => d.id === id)?.name ?? '';
  // Grouped by department in the departments' order, as a floor plan reads.
  const rows = departments.flatMap((d) => counters.filter((c) => c.departmentId === d.id));

  function submit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    announce('');
    create.mutate(
      { departmentId, name },
      {
        onSuccess: (counter) => {
          announce(t('counterCreated', { name: counter.name, department: nameOf(counter.departmentId) }));
          setName('');
        },
      },
    );
  }

  return (
    <>
      {rows.length === 0 ? (
        <p className="muted">{t('noCounters')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colCounter')}</th>
                <th scope="col">{t('colDepartment')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td>{nameOf(c.departmentId)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={submit} noValidate className="admin-form" aria-labelledby="new-counter-heading">
        <h3 id="new-counter-heading">{t('newCounter')}</h3>
        <div className="form-grid">
          <div>
            <Select label={t('colDepartment')} value={departmentId} onChange={(e) => setDepartmentId(e.target.value)} aria-invalid={errors.departmentId ? true : undefined}>
              <option value="">{t('chooseDepartment')}</option>
              {departments.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} ({d.code})
                </option>
              ))}
            </Select>
            {errors.departmentId && <p className="field-error field-error-after">{errors.departmentId}</p>}
          </div>
          <Field label={t('counterName')} value={name} onChange={(e) => setName(e.target.value)} maxLength={120} autoComplete="off" hint={t('counterNameHint')} error={errors.name} />
        </div>
        <ProblemAlert error={create.error} labels={{ departmentId: t('colDepartment'), name: t('counterName') }} />
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? t('creating') : t('create')}
        </Button>
      </form>
    </>
  );
}
