import type { DEPARTMENT_DEFAULTS as SERVER_DEFAULTS, Department } from '@smart-token/contracts';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Field } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors } from '../../features/errors/ProblemAlert';
import { useCreateDepartment, useUpdateDepartment } from '../../features/setup/mutations';
import { Check } from './Check';

/** The server's defaults (the type keeps them in step); not imported as a value, which would bundle zod. */
const DEPARTMENT_DEFAULTS: typeof SERVER_DEFAULTS = { maxWaitMinutes: 45, maxRecalls: 3, parkReturnAfter: 3, selfCheckIn: false };

interface Values {
  code: string;
  name: string;
  selfCheckIn: boolean;
  maxWaitMinutes: string;
  maxRecalls: string;
  parkReturnAfter: string;
}

const valuesOf = (d?: Department): Values => ({
  code: d?.code ?? '',
  name: d?.name ?? '',
  selfCheckIn: d?.selfCheckIn ?? DEPARTMENT_DEFAULTS.selfCheckIn,
  maxWaitMinutes: String(d?.maxWaitMinutes ?? DEPARTMENT_DEFAULTS.maxWaitMinutes),
  maxRecalls: String(d?.maxRecalls ?? DEPARTMENT_DEFAULTS.maxRecalls),
  parkReturnAfter: String(d?.parkReturnAfter ?? DEPARTMENT_DEFAULTS.parkReturnAfter),
});

/** An empty box means "the default"; anything else goes to the server, which says what is wrong with it. */
const numberOf = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

const settingsOf = (v: Values) => ({
  name: v.name,
  selfCheckIn: v.selfCheckIn,
  maxWaitMinutes: numberOf(v.maxWaitMinutes),
  maxRecalls: numberOf(v.maxRecalls),
  parkReturnAfter: numberOf(v.parkReturnAfter),
});

function DepartmentForm({
  department,
  onDone,
  onCancel,
  announce,
}: {
  department?: Department;
  onDone: (d: Department) => void;
  onCancel?: () => void;
  announce: (text: string) => void;
}) {
  const { t } = useTranslation('admin');
  const create = useCreateDepartment();
  const update = useUpdateDepartment();
  const mutation = department ? update : create;
  const [values, setValues] = useState(() => valuesOf(department));
  const set = (patch: Partial<Values>) => setValues((v) => ({ ...v, ...patch }));
  const errors = fieldErrors(mutation.error);
  const headingId = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const editing = Boolean(department);

  // The user pressed Edit: the cursor goes to the first field they can change.
  useEffect(() => {
    if (editing) nameRef.current?.focus();
  }, [editing]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (mutation.isPending) return;
    announce('');
    if (department) {
      update.mutate(
        { id: department.id, body: settingsOf(values) },
        {
          onSuccess: (saved) => {
            announce(t('departmentSaved', { code: saved.code }));
            onDone(saved);
          },
        },
      );
    } else {
      create.mutate(
        { code: values.code.trim(), ...settingsOf(values) },
        {
          onSuccess: (created) => {
            announce(t('departmentCreated', { code: created.code, name: created.name }));
            setValues(valuesOf());
            onDone(created);
          },
        },
      );
    }
  }

  const labels = { code: t('code'), name: t('name'), selfCheckIn: t('selfCheckIn'), maxWaitMinutes: t('maxWait'), maxRecalls: t('maxRecalls'), parkReturnAfter: t('parkReturn') };
  return (
    <form onSubmit={submit} noValidate className="admin-form" aria-labelledby={headingId}>
      <h3 id={headingId}>{department ? t('editDepartment', { name: department.name }) : t('newDepartment')}</h3>
      <div className="form-grid">
        {!department && (
          <Field
            label={t('code')}
            value={values.code}
            onChange={(e) => set({ code: e.target.value.toUpperCase() })}
            maxLength={6}
            autoComplete="off"
            hint={t('codeHint')}
            error={errors.code}
            className="code-input"
          />
        )}
        <Field label={t('name')} value={values.name} onChange={(e) => set({ name: e.target.value })} maxLength={120} autoComplete="off" error={errors.name} ref={nameRef} />
        <Field
          label={t('maxWait')}
          type="number"
          inputMode="numeric"
          min={1}
          max={1440}
          value={values.maxWaitMinutes}
          onChange={(e) => set({ maxWaitMinutes: e.target.value })}
          hint={t('maxWaitHint')}
          error={errors.maxWaitMinutes}
        />
        <Field label={t('maxRecalls')} type="number" inputMode="numeric" min={0} max={20} value={values.maxRecalls} onChange={(e) => set({ maxRecalls: e.target.value })} error={errors.maxRecalls} />
        <Field
          label={t('parkReturn')}
          type="number"
          inputMode="numeric"
          min={1}
          max={100}
          value={values.parkReturnAfter}
          onChange={(e) => set({ parkReturnAfter: e.target.value })}
          error={errors.parkReturnAfter}
        />
      </div>
      <Check label={t('selfCheckIn')} checked={values.selfCheckIn} onChange={(checked) => set({ selfCheckIn: checked })} />
      <ProblemAlert error={mutation.error} labels={labels} />
      <div className="button-row">
        <Button type="submit" disabled={mutation.isPending}>
          {mutation.isPending ? t('creating') : department ? t('save') : t('create')}
        </Button>
        {onCancel && (
          <Button tone="secondary" onClick={onCancel}>
            {t('cancel')}
          </Button>
        )}
      </div>
    </form>
  );
}

export function Departments({ departments, announce }: { departments: Department[]; announce: (text: string) => void }) {
  const { t } = useTranslation('admin');
  const [editing, setEditing] = useState<Department | null>(null);
  const editButtons = useRef(new Map<string, HTMLButtonElement>());

  function closeEditor(id: string) {
    setEditing(null);
    requestAnimationFrame(() => editButtons.current.get(id)?.focus());
  }

  return (
    <>
      {departments.length === 0 ? (
        <p className="muted">{t('noDepartments')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colCode')}</th>
                <th scope="col">{t('colName')}</th>
                <th scope="col">{t('colSelfCheckIn')}</th>
                <th scope="col">{t('colMaxWait')}</th>
                <th scope="col">{t('colRecalls')}</th>
                <th scope="col">{t('colParkReturn')}</th>
                <th scope="col">{t('colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {departments.map((d) => (
                <tr key={d.id} aria-current={editing?.id === d.id ? 'true' : undefined}>
                  <td>
                    <strong>{d.code}</strong>
                  </td>
                  <td>{d.name}</td>
                  <td>{d.selfCheckIn ? t('yes') : t('no')}</td>
                  <td>{t('minutes', { count: d.maxWaitMinutes })}</td>
                  <td>{d.maxRecalls}</td>
                  <td>{d.parkReturnAfter}</td>
                  <td>
                    <Button
                      tone="secondary"
                      className="btn-small"
                      ref={(el) => {
                        if (el) editButtons.current.set(d.id, el);
                        else editButtons.current.delete(d.id);
                      }}
                      onClick={() => setEditing(d)}
                      aria-label={t('editLabel', { name: d.name })}
                    >
                      {t('edit')}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && (
        <DepartmentForm key={editing.id} department={editing} announce={announce} onDone={(d) => closeEditor(d.id)} onCancel={() => closeEditor(editing.id)} />
      )}
      <DepartmentForm announce={announce} onDone={() => undefined} />
    </>
  );
}
