import type { Counter, Department } from '@smart-token/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors, type FieldSpecs } from '../../features/errors/ProblemAlert';
import { useCreateCounter, useDeleteCounter, useOrderCounters, useUpdateCounter } from '../../features/setup/mutations';
import { ConfirmDialog, Notice } from './ConfirmDialog';
import { SetupProblem } from './SetupProblem';

type Pending = { kind: 'toggle' | 'delete'; counter: Counter } | null;

function RenameForm({ counter, department, onDone, onCancel }: { counter: Counter; department: string; onDone: (c: Counter) => void; onCancel: () => void }) {
  const { t } = useTranslation('admin');
  const update = useUpdateCounter();
  const [name, setName] = useState(counter.name);
  const fields: FieldSpecs = { name: t('counterName') };

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!update.isPending) update.mutate({ id: counter.id, body: { name } }, { onSuccess: onDone });
  }

  return (
    <form onSubmit={submit} noValidate className="rename-form" aria-label={t('renameLabel', { name: counter.name })}>
      {/* The cursor goes straight to the name the admin asked to change. */}
      {/* eslint-disable-next-line jsx-a11y/no-autofocus */}
      <Field label={t('newName')} value={name} onChange={(e) => setName(e.target.value)} maxLength={120} autoComplete="off" autoFocus error={fieldErrors(update.error, fields).name} />
      <SetupProblem error={update.error && !fieldErrors(update.error, fields).name ? update.error : null} fields={fields} kind="counter" name={name.trim()} department={department} />
      <div className="button-row">
        <Button type="submit" className="btn-small" disabled={update.isPending}>
          {t('save')}
        </Button>
        <Button tone="secondary" className="btn-small" onClick={onCancel}>
          {t('cancel')}
        </Button>
      </div>
    </form>
  );
}

function DepartmentCounters({ department, counters, announce }: { department: Department; counters: Counter[]; announce: (text: string) => void }) {
  const { t } = useTranslation('admin');
  const order = useOrderCounters();
  const update = useUpdateCounter();
  const remove = useDeleteCounter();
  const [renaming, setRenaming] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);

  function move(index: number, by: -1 | 1) {
    const ids = counters.map((c) => c.id);
    const [moved] = ids.splice(index, 1);
    ids.splice(index + by, 0, moved!);
    order.mutate({ departmentId: department.id, body: { counterIds: ids } }, { onSuccess: () => announce(t('counterMoved', { name: counters[index]!.name, position: index + by + 1 })) });
  }

  function ask(next: Pending) {
    update.reset();
    remove.reset();
    announce('');
    setPending(next);
  }

  function confirm() {
    if (!pending) return;
    const c = pending.counter;
    const done = (text: string) => {
      announce(text);
      setPending(null);
    };
    if (pending.kind === 'delete') remove.mutate(c.id, { onSuccess: () => done(t('counterDeleted', { name: c.name })) });
    else update.mutate({ id: c.id, body: { active: !c.active } }, { onSuccess: (saved) => done(t(saved.active ? 'counterActivated' : 'counterDeactivated', { name: saved.name })) });
  }

  return (
    <section className="counter-group" aria-labelledby={`counters-${department.id}`}>
      <h3 id={`counters-${department.id}`}>
        {department.name} ({department.code}) {!department.active && <Badge tone="warn">{t('inactive')}</Badge>}
      </h3>
      {counters.length === 0 ? (
        <p className="muted">{t('noCounters')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colPosition')}</th>
                <th scope="col">{t('colCounter')}</th>
                <th scope="col">{t('colState')}</th>
                <th scope="col">{t('colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {counters.map((c, index) => (
                <tr key={c.id} className={c.active ? undefined : 'inactive-row'}>
                  <td>
                    <div className="row-actions">
                      <span className="position">{index + 1}</span>
                      <Button tone="ghost" className="btn-small" disabled={index === 0 || order.isPending} onClick={() => move(index, -1)} aria-label={t('moveUp', { name: c.name })}>
                        ↑
                      </Button>
                      <Button
                        tone="ghost"
                        className="btn-small"
                        disabled={index === counters.length - 1 || order.isPending}
                        onClick={() => move(index, 1)}
                        aria-label={t('moveDown', { name: c.name })}
                      >
                        ↓
                      </Button>
                    </div>
                  </td>
                  <td>
                    {renaming === c.id ? (
                      <RenameForm
                        counter={c}
                        department={department.name}
                        onCancel={() => setRenaming(null)}
                        onDone={(saved) => {
                          setRenaming(null);
                          announce(t('counterRenamed', { from: c.name, name: saved.name }));
                        }}
                      />
                    ) : (
                      c.name
                    )}
                  </td>
                  <td>{c.active ? <Badge>{t('active')}</Badge> : <Badge tone="warn">{t('inactive')}</Badge>}</td>
                  <td>
                    <div className="row-actions">
                      <Button tone="secondary" className="btn-small" onClick={() => setRenaming(c.id)} aria-label={t('renameLabel', { name: c.name })}>
                        {t('rename')}
                      </Button>
                      <Button tone="secondary" className="btn-small" onClick={() => ask({ kind: 'toggle', counter: c })} aria-label={t(c.active ? 'deactivateLabel' : 'activateLabel', { name: c.name })}>
                        {c.active ? t('deactivate') : t('activate')}
                      </Button>
                      <Button tone="danger" className="btn-small" onClick={() => ask({ kind: 'delete', counter: c })} aria-label={t('deleteLabel', { name: c.name })}>
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
      <ProblemAlert error={order.error} />
      {pending && (
        <ConfirmDialog
          title={t(pending.kind === 'delete' ? 'deleteTitle' : pending.counter.active ? 'deactivateTitle' : 'activateTitle', { name: pending.counter.name })}
          confirmLabel={pending.kind === 'delete' ? t('delete') : pending.counter.active ? t('deactivate') : t('activate')}
          tone={pending.kind === 'delete' ? 'danger' : 'primary'}
          pending={update.isPending || remove.isPending}
          onConfirm={confirm}
          onCancel={() => setPending(null)}
        >
          <p>{t(pending.kind === 'delete' ? 'deleteCounterBody' : pending.counter.active ? 'deactivateCounterBody' : 'activateCounterBody')}</p>
          <SetupProblem error={pending.kind === 'delete' ? remove.error : update.error} kind="counter" name={pending.counter.name} department={department.name} />
        </ConfirmDialog>
      )}
    </section>
  );
}

export function Counters({ departments, counters }: { departments: Department[]; counters: Counter[] }) {
  const { t } = useTranslation('admin');
  const create = useCreateCounter();
  const [departmentId, setDepartmentId] = useState('');
  const [name, setName] = useState('');
  const [notice, setNotice] = useState('');
  const [formNotice, setFormNotice] = useState('');
  const fields: FieldSpecs = { departmentId: { label: t('colDepartment'), kind: 'choice' }, name: t('counterName') };
  const errors = fieldErrors(create.error, fields);
  const nameOf = (id: string) => departments.find((d) => d.id === id)?.name ?? '';

  function submit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    setFormNotice('');
    create.mutate(
      { departmentId, name },
      {
        onSuccess: (counter) => {
          setFormNotice(t('counterCreated', { name: counter.name, department: nameOf(counter.departmentId) }));
          setName('');
        },
      },
    );
  }

  return (
    <>
      <Notice text={notice} />
      {departments.map((d) => (
        <DepartmentCounters key={d.id} department={d} counters={counters.filter((c) => c.departmentId === d.id)} announce={setNotice} />
      ))}
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
        <SetupProblem error={create.error} fields={fields} kind="counter" name={name.trim()} department={nameOf(departmentId)} />
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? t('creating') : t('create')}
        </Button>
        <Notice text={formNotice} />
      </form>
    </>
  );
}
