import type { Department, DepartmentChannel, DepartmentNotifications as Settings, NotificationTrigger } from '@smart-token/contracts';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors, type FieldSpecs } from '../errors/ProblemAlert';
import { useDepartmentNames } from '../setup/setup';
import { useUpdateDepartmentNotifications } from './notifications';
import { Notice, Toggle, useMessageText } from './parts';
import { DEPARTMENT_CHANNELS, TRIGGERS } from './vocabulary';
import './messages';
import './notifications.css';

/** Numbers as typed: the server says what is wrong with one (out of range, not whole). */
interface Values {
  channels: Record<DepartmentChannel, boolean>;
  triggers: Record<NotificationTrigger, boolean>;
  position: string;
  minutes: string;
  maxMessagesPerToken: string;
}

const valuesOf = (s: Settings): Values => ({
  channels: { ...s.channels },
  triggers: { ...s.triggers },
  position: String(s.approach.position),
  minutes: String(s.approach.minutes),
  maxMessagesPerToken: String(s.maxMessagesPerToken),
});

/** One department's rules: which channels patients may choose, which changes send a message, when "turn approaching" goes, and a cap per token. */
export function DepartmentNotificationsForm({ settings, name }: { settings: Settings; name: string }) {
  const { t } = useTranslation('notifications');
  const words = useMessageText();
  const update = useUpdateDepartmentNotifications();
  const [values, setValues] = useState(() => valuesOf(settings));
  const [notice, setNotice] = useState('');
  const id = useId();
  const set = (patch: Partial<Values>) => {
    setNotice('');
    setValues((v) => ({ ...v, ...patch }));
  };
  const fields: FieldSpecs = {
    'approach.position': { label: t('approachPosition'), kind: 'number' },
    'approach.minutes': { label: t('approachMinutes'), kind: 'number' },
    maxMessagesPerToken: { label: t('maxMessages'), kind: 'number' },
  };
  const errors = fieldErrors(update.error, fields);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (update.isPending) return;
    setNotice('');
    update.mutate(
      {
        departmentId: settings.departmentId,
        body: {
          channels: values.channels,
          triggers: values.triggers,
          approach: { position: Number(values.position), minutes: Number(values.minutes) },
          maxMessagesPerToken: Number(values.maxMessagesPerToken),
        },
      },
      {
        onSuccess: (saved) => {
          setValues(valuesOf(saved));
          setNotice(t('departmentSaved', { name }));
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate aria-label={t('departmentFormLabel', { name })}>
      <fieldset className="notify-group">
        <legend>{t('channels')}</legend>
        <div className="notify-switches">
          {DEPARTMENT_CHANNELS.map((c) => (
            <Toggle key={c} isSelected={values.channels[c]} onChange={(on) => set({ channels: { ...values.channels, [c]: on } })}>
              {words.channel(c)}
            </Toggle>
          ))}
        </div>
      </fieldset>
      <fieldset className="notify-group">
        <legend>{t('triggers')}</legend>
        <div className="notify-switches">
          {TRIGGERS.map((x) => (
            <Toggle key={x} isSelected={values.triggers[x]} onChange={(on) => set({ triggers: { ...values.triggers, [x]: on } })}>
              {words.trigger(x)}
            </Toggle>
          ))}
        </div>
      </fieldset>
      <fieldset className="notify-group" aria-describedby={`${id}-approach`}>
        <legend>{t('approach')}</legend>
        <div className="form-grid">
          <Field
            label={t('approachPosition')}
            type="number"
            inputMode="numeric"
            min={1}
            max={100}
            value={values.position}
            onChange={(e) => set({ position: e.target.value })}
            error={errors['approach.position']}
          />
          <Field
            label={t('approachMinutes')}
            type="number"
            inputMode="numeric"
            min={1}
            max={240}
            value={values.minutes}
            onChange={(e) => set({ minutes: e.target.value })}
            error={errors['approach.minutes']}
          />
        </div>
        <p id={`${id}-approach`} className="field-hint">
          {t('approachSummary', { position: values.position || '…', minutes: values.minutes || '…' })}
        </p>
      </fieldset>
      <div className="form-grid">
        <Field
          label={t('maxMessages')}
          type="number"
          inputMode="numeric"
          min={1}
          max={50}
          value={values.maxMessagesPerToken}
          onChange={(e) => set({ maxMessagesPerToken: e.target.value })}
          hint={t('maxMessagesHint')}
          error={errors.maxMessagesPerToken}
        />
      </div>
      <ProblemAlert error={update.error} fields={fields} />
      <Button type="submit" disabled={update.isPending}>
        {update.isPending ? t('saving') : t('saveDepartment')}
      </Button>
      <Notice text={notice} />
    </form>
  );
}

/** Chooses a department and shows its message rules. */
export function DepartmentNotifications({ departments, settings }: { departments: Department[]; settings: Settings[] }) {
  const { t } = useTranslation('notifications');
  const names = useDepartmentNames(departments);
  const configurable = departments.filter((d) => settings.some((s) => s.departmentId === d.id));
  const [picked, setPicked] = useState('');
  // Until one is picked (or if the picked one goes), the first.
  const chosen = configurable.some((d) => d.id === picked) ? picked : (configurable[0]?.id ?? '');
  const current = settings.find((s) => s.departmentId === chosen);
  const department = configurable.find((d) => d.id === chosen);

  if (configurable.length === 0) return <p className="muted">{t('noDepartments')}</p>;
  return (
    <>
      <div className="form-grid">
        <Select label={t('department')} value={chosen} onChange={(e) => setPicked(e.target.value)}>
          {configurable.map((d) => (
            <option key={d.id} value={d.id}>
              {d.code} · {names.of(d)}
            </option>
          ))}
        </Select>
      </div>
      {current && department && <DepartmentNotificationsForm key={current.departmentId} settings={current} name={names.of(department)} />}
    </>
  );
}
