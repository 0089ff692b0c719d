import type { DEPARTMENT_DEFAULTS as SERVER_DEFAULTS, Department, JoinCodeRotation, SelfCheckInMode } from '@smart-token/contracts';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Button, Field, Select } from '../../components/ui/ui';
import { JoinPosterButton } from '../../features/devices/JoinPoster';
import '../../features/devices/messages';
import { fieldErrors, type FieldSpecs } from '../../features/errors/ProblemAlert';
import { useCreateDepartment, useDeleteDepartment, useUpdateDepartment } from '../../features/setup/mutations';
import { Check } from './Check';
import { ConfirmDialog, Notice } from './ConfirmDialog';
import { SetupProblem } from './SetupProblem';

/** The server's defaults (the type keeps them in step); not imported as a value, which would bundle zod. */
const DEPARTMENT_DEFAULTS: typeof SERVER_DEFAULTS = { maxWaitMinutes: 45, maxRecalls: 3, parkReturnAfter: 3, selfCheckIn: 'kiosk' };
const SELF_CHECK_IN_MODES: readonly SelfCheckInMode[] = ['off', 'kiosk', 'phone'];

interface Values {
  code: string;
  name: string;
  nameHi: string;
  nameAr: string;
  selfCheckIn: SelfCheckInMode;
  joinCodeRotation: JoinCodeRotation | '';
  isEntry: boolean;
  maxWaitMinutes: string;
  maxRecalls: string;
  parkReturnAfter: string;
}

const valuesOf = (d?: Department): Values => ({
  code: d?.code ?? '',
  name: d?.name ?? '',
  nameHi: d?.names.hi ?? '',
  nameAr: d?.names.ar ?? '',
  selfCheckIn: d?.selfCheckIn ?? DEPARTMENT_DEFAULTS.selfCheckIn,
  joinCodeRotation: d?.joinCodeRotation ?? '',
  isEntry: d?.isEntry ?? false,
  maxWaitMinutes: String(d?.maxWaitMinutes ?? DEPARTMENT_DEFAULTS.maxWaitMinutes),
  maxRecalls: String(d?.maxRecalls ?? DEPARTMENT_DEFAULTS.maxRecalls),
  parkReturnAfter: String(d?.parkReturnAfter ?? DEPARTMENT_DEFAULTS.parkReturnAfter),
});

/** An empty box means "the default"; anything else goes to the server, which says what is wrong with it. */
const numberOf = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

const settingsOf = (v: Values) => ({
  name: v.name,
  code: v.code.trim(),
  selfCheckIn: v.selfCheckIn,
  joinCodeRotation: v.joinCodeRotation === '' ? null : v.joinCodeRotation,
  isEntry: v.isEntry,
  names: { ...(v.nameHi.trim() && { hi: v.nameHi }), ...(v.nameAr.trim() && { ar: v.nameAr }) },
  maxWaitMinutes: numberOf(v.maxWaitMinutes),
  maxRecalls: numberOf(v.maxRecalls),
  parkReturnAfter: numberOf(v.parkReturnAfter),
});

function DepartmentForm({ department, onDone, onCancel }: { department?: Department; onDone: (d: Department) => void; onCancel?: () => void }) {
  const { t } = useTranslation('admin');
  const { t: td } = useTranslation('devices');
  const create = useCreateDepartment();
  const update = useUpdateDepartment();
  const mutation = department ? update : create;
  const [values, setValues] = useState(() => valuesOf(department));
  const [notice, setNotice] = useState('');
  const set = (patch: Partial<Values>) => setValues((v) => ({ ...v, ...patch }));
  const fields: FieldSpecs = {
    code: t('code'),
    name: t('name'),
    'names.hi': t('nameHi'),
    'names.ar': t('nameAr'),
    selfCheckIn: td('selfCheckIn'),
    joinCodeRotation: td('rotation'),
    isEntry: t('isEntry'),
    maxWaitMinutes: { label: t('maxWait'), kind: 'number' },
    maxRecalls: { label: t('maxRecalls'), kind: 'number' },
    parkReturnAfter: { label: t('parkReturn'), kind: 'number' },
  };
  const errors = fieldErrors(mutation.error, fields);
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
    setNotice('');
    if (department) {
      update.mutate({ id: department.id, body: settingsOf(values) }, { onSuccess: (saved) => onDone(saved) });
    } else {
      create.mutate(
        { ...settingsOf(values), code: values.code.trim() },
        {
          onSuccess: (created) => {
            setNotice(t('departmentCreated', { code: created.code, name: created.name }));
            setValues(valuesOf());
            onDone(created);
          },
        },
      );
    }
  }

  return (
    <form onSubmit={submit} noValidate className="admin-form" aria-labelledby={headingId}>
      <h3 id={headingId}>{department ? t('editDepartment', { name: department.name }) : t('newDepartment')}</h3>
      <div className="form-grid">
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
        <Field label={t('name')} value={values.name} onChange={(e) => set({ name: e.target.value })} maxLength={120} autoComplete="off" error={errors.name} ref={nameRef} />
        <Field label={t('nameHi')} lang="hi" value={values.nameHi} onChange={(e) => set({ nameHi: e.target.value })} maxLength={120} autoComplete="off" hint={t('optional')} error={errors['names.hi']} />
        <Field label={t('nameAr')} lang="ar" dir="rtl" value={values.nameAr} onChange={(e) => set({ nameAr: e.target.value })} maxLength={120} autoComplete="off" hint={t('optional')} error={errors['names.ar']} />
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
      <Check label={t('isEntry')} checked={values.isEntry} onChange={(checked) => set({ isEntry: checked })} />
      <div className="form-grid">
        <Select label={td('selfCheckIn')} value={values.selfCheckIn} onChange={(e) => set({ selfCheckIn: e.target.value as SelfCheckInMode })}>
          {SELF_CHECK_IN_MODES.map((mode) => (
            <option key={mode} value={mode}>
              {td(`mode.${mode}`)}
            </option>
          ))}
        </Select>
        {values.selfCheckIn === 'phone' && (
          <Select label={td('rotation')} value={values.joinCodeRotation} onChange={(e) => set({ joinCodeRotation: e.target.value as JoinCodeRotation | '' })}>
            <option value="">{td('rotation.default')}</option>
            <option value="daily">{td('rotation.daily')}</option>
            <option value="hourly">{td('rotation.hourly')}</option>
          </Select>
        )}
      </div>
      <SetupProblem error={mutation.error} fields={fields} kind="department" name={values.name.trim() || values.code.trim()} />
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
      <Notice text={notice} />
    </form>
  );
}

type Pending = { kind: 'toggle' | 'delete'; department: Department } | null;

export function Departments({ departments }: { departments: Department[] }) {
  const { t } = useTranslation('admin');
  const { t: td } = useTranslation('devices');
  const [editing, setEditing] = useState<Department | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [notice, setNotice] = useState('');
  const update = useUpdateDepartment();
  const remove = useDeleteDepartment();
  const editButtons = useRef(new Map<string, HTMLButtonElement>());

  function closeEditor(id: string) {
    setEditing(null);
    requestAnimationFrame(() => editButtons.current.get(id)?.focus());
  }

  function ask(next: Pending) {
    update.reset();
    remove.reset();
    setNotice('');
    setPending(next);
  }

  function confirm() {
    if (!pending) return;
    const d = pending.department;
    if (pending.kind === 'delete') {
      remove.mutate(d.id, {
        onSuccess: () => {
          setNotice(t('departmentDeleted', { name: d.name }));
          setPending(null);
        },
      });
    } else {
      update.mutate(
        { id: d.id, body: { active: !d.active } },
        {
          onSuccess: (saved) => {
            setNotice(t(saved.active ? 'departmentActivated' : 'departmentDeactivated', { name: saved.name }));
            setPending(null);
          },
        },
      );
    }
  }

  return (
    <>
      <Notice text={notice} />
      {departments.length === 0 ? (
        <p className="muted">{t('noDepartments')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colCode')}</th>
                <th scope="col">{t('colName')}</th>
                <th scope="col">{t('colState')}</th>
                <th scope="col">{t('colSelfCheckIn')}</th>
                <th scope="col">{t('colMaxWait')}</th>
                <th scope="col">{t('colRecalls')}</th>
                <th scope="col">{t('colParkReturn')}</th>
                <th scope="col">{t('colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {departments.map((d) => (
                <tr key={d.id} aria-current={editing?.id === d.id ? 'true' : undefined} className={d.active ? undefined : 'inactive-row'}>
                  <td>
                    <strong>{d.code}</strong>
                  </td>
                  <td>
                    {d.name}
                    {(d.names.hi || d.names.ar) && (
                      <div className="muted small">
                        {d.names.hi && <span lang="hi">{d.names.hi}</span>} {d.names.ar && <span lang="ar" dir="rtl">{d.names.ar}</span>}
                      </div>
                    )}
                  </td>
                  <td>
                    <div className="badges">
                      {d.isEntry && <Badge tone="ok">{t('entryDesk')}</Badge>}
                      {d.active ? <Badge>{t('active')}</Badge> : <Badge tone="warn">{t('inactive')}</Badge>}
                    </div>
                  </td>
                  <td>
                    {td(`short.${d.selfCheckIn}`)}
                    {d.selfCheckIn === 'phone' && <JoinPosterButton department={d} />}
                  </td>
                  <td>{t('minutes', { count: d.maxWaitMinutes })}</td>
                  <td>{d.maxRecalls}</td>
                  <td>{d.parkReturnAfter}</td>
                  <td>
                    <div className="row-actions">
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
                      <Button tone="secondary" className="btn-small" onClick={() => ask({ kind: 'toggle', department: d })} aria-label={t(d.active ? 'deactivateLabel' : 'activateLabel', { name: d.name })}>
                        {d.active ? t('deactivate') : t('activate')}
                      </Button>
                      <Button tone="danger" className="btn-small" onClick={() => ask({ kind: 'delete', department: d })} aria-label={t('deleteLabel', { name: d.name })}>
                        {t('delete')}
                      </Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pending && (
        <ConfirmDialog
          title={t(pending.kind === 'delete' ? 'deleteTitle' : pending.department.active ? 'deactivateTitle' : 'activateTitle', { name: pending.department.name })}
          confirmLabel={pending.kind === 'delete' ? t('delete') : pending.department.active ? t('deactivate') : t('activate')}
          tone={pending.kind === 'delete' ? 'danger' : 'primary'}
          pending={update.isPending || remove.isPending}
          onConfirm={confirm}
          onCancel={() => setPending(null)}
        >
          <p>{t(pending.kind === 'delete' ? 'deleteDepartmentBody' : pending.department.active ? 'deactivateDepartmentBody' : 'activateDepartmentBody')}</p>
          <SetupProblem error={pending.kind === 'delete' ? remove.error : update.error} kind="department" name={pending.department.name} />
        </ConfirmDialog>
      )}
      {editing && (
        <DepartmentForm
          key={editing.id}
          department={editing}
          onDone={(d) => {
            setNotice(t('departmentSaved', { code: d.code }));
            closeEditor(d.id);
          }}
          onCancel={() => closeEditor(editing.id)}
        />
      )}
      <DepartmentForm onDone={() => undefined} />
    </>
  );
}
