import type { CreatedDevice, Department, Device, DeviceRole, PrivacyProfile } from '@smart-token/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors } from '../../features/errors/ProblemAlert';
import { useCreateDevice, useDevices, useRenewPairingCode, useRevokeDevice } from '../../features/devices/devices';
import { useDepartmentNames } from '../../features/setup/setup';
import '../../features/devices/devices.css';
import '../../features/devices/messages';
import { Check } from './Check';
import { ConfirmDialog, Notice } from './ConfirmDialog';

const EMPTY = { name: '', role: 'display' as DeviceRole, departmentIds: [] as string[], privacy: 'token' as PrivacyProfile };
/** The pairing code read aloud or typed on a remote: two groups of four. */
const grouped = (code: string) => code.replace(/(\d{4})(?=\d)/g, '$1 ');

function useTimeFormat() {
  const { i18n } = useTranslation();
  return (iso: string) => new Date(iso).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The key and pairing code of a device just made: shown this once, with a note that says so. */
function ShownOnce({ created, onClose }: { created: CreatedDevice; onClose: () => void }) {
  const { t } = useTranslation('devices');
  const time = useTimeFormat();
  return (
    <section className="card admin-form" aria-labelledby="device-created-heading">
      <h3 id="device-created-heading">{t('createdTitle', { name: created.name })}</h3>
      <p role="alert">
        <strong>{t('shownOnce')}</strong>
      </p>
      <p>{t('pairingCodeLabel')}</p>
      <p className="device-secret device-code" data-testid="pairing-code">
        {grouped(created.pairingCode)}
      </p>
      <p className="muted small">{t('validUntil', { time: time(created.expiresAt) })}</p>
      <p>{t('apiKey')}</p>
      <p className="device-secret" data-testid="device-key">
        {created.key}
      </p>
      <Button tone="secondary" onClick={onClose}>
        {t('posterClose')}
      </Button>
    </section>
  );
}

function DeviceRow({ device, departmentName, onNotice }: { device: Device; departmentName: (id: string) => string; onNotice: (text: string) => void }) {
  const { t } = useTranslation('devices');
  const time = useTimeFormat();
  const revoke = useRevokeDevice();
  const renew = useRenewPairingCode();
  const [asking, setAsking] = useState(false);
  const revoked = device.revokedAt !== undefined;
  return (
    <tr className={revoked ? 'inactive-row' : undefined}>
      <td>{device.name}</td>
      <td>{t(`role.${device.role}`)}</td>
      <td>
        <code>{device.prefix}…</code>
      </td>
      <td>{device.departmentIds.map(departmentName).filter(Boolean).join(', ')}</td>
      <td>{device.lastUsedAt ? time(device.lastUsedAt) : t('never')}</td>
      <td>{revoked ? <Badge tone="warn">{t('revoked')}</Badge> : <Badge tone="ok">{t('active')}</Badge>}</td>
      <td>
        {!revoked && (
          <div className="row-actions">
            <Button
              tone="secondary"
              className="btn-small"
              disabled={renew.isPending}
              aria-label={t('newCodeFor', { name: device.name })}
              onClick={() => renew.mutate(device, { onSuccess: (code) => onNotice(t('codeNotice', { name: device.name, code: grouped(code.pairingCode), time: time(code.expiresAt) })) })}
            >
              {t('newCode')}
            </Button>
            <Button tone="danger" className="btn-small" aria-label={t('revokeLabel', { name: device.name })} onClick={() => setAsking(true)}>
              {t('revoke')}
            </Button>
          </div>
        )}
        <ProblemAlert error={renew.error} />
        {asking && (
          <ConfirmDialog
            title={t('revokeLabel', { name: device.name })}
            confirmLabel={t('revoke')}
            tone="danger"
            pending={revoke.isPending}
            onConfirm={() =>
              revoke.mutate(device, {
                onSuccess: () => {
                  setAsking(false);
                  onNotice(t('revokedNotice', { name: device.name }));
                },
              })
            }
            onCancel={() => setAsking(false)}
          >
            <p>{t('confirmRevoke', { name: device.name })}</p>
            <ProblemAlert error={revoke.error} />
          </ConfirmDialog>
        )}
      </td>
    </tr>
  );
}

/** Admin → Devices: boards and kiosks with keys of their own; the key and pairing code are shown once. */
export function Devices({ departments }: { departments: Department[] }) {
  const { t } = useTranslation('devices');
  const devices = useDevices();
  const create = useCreateDevice();
  const names = useDepartmentNames(departments);
  const [values, setValues] = useState(EMPTY);
  const [created, setCreated] = useState<CreatedDevice>();
  const [notice, setNotice] = useState('');
  const [missing, setMissing] = useState(false);
  const set = (patch: Partial<typeof EMPTY>) => setValues((v) => ({ ...v, ...patch }));
  const errors = fieldErrors(create.error, { name: t('name'), role: t('role'), departmentIds: t('departments'), privacy: t('privacy') });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    setNotice('');
    if (values.departmentIds.length === 0) {
      setMissing(true);
      return;
    }
    setMissing(false);
    create.mutate(
      { name: values.name, role: values.role, departmentIds: values.departmentIds, ...(values.role === 'display' && { privacy: values.privacy }) },
      {
        onSuccess: (device) => {
          setCreated(device);
          setValues(EMPTY);
        },
      },
    );
  }

  const toggle = (id: string, on: boolean) => set({ departmentIds: on ? [...values.departmentIds, id] : values.departmentIds.filter((d) => d !== id) });
  const list = devices.data ?? [];
  return (
    <>
      <p>{t('intro')}</p>
      <ProblemAlert error={devices.error} />
      {created && <ShownOnce created={created} onClose={() => setCreated(undefined)} />}
      {list.length === 0 ? (
        devices.isSuccess && <p className="muted">{t('noDevices')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colName')}</th>
                <th scope="col">{t('colKind')}</th>
                <th scope="col">{t('colPrefix')}</th>
                <th scope="col">{t('colDepartments')}</th>
                <th scope="col">{t('colLastUsed')}</th>
                <th scope="col">{t('colState')}</th>
                <th scope="col">{t('colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((device) => (
                <DeviceRow key={device.id} device={device} departmentName={names.byId} onNotice={setNotice} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Notice text={notice} />
      <form onSubmit={submit} noValidate className="admin-form" aria-labelledby="new-device-heading">
        <h3 id="new-device-heading">{t('newDevice')}</h3>
        <div className="form-grid">
          <Field label={t('name')} placeholder={t('namePlaceholder')} autoComplete="off" value={values.name} onChange={(e) => set({ name: e.target.value })} maxLength={120} error={errors.name} />
          <Select label={t('role')} value={values.role} onChange={(e) => set({ role: e.target.value as DeviceRole })}>
            <option value="display">{t('role.display')}</option>
            <option value="kiosk">{t('role.kiosk')}</option>
          </Select>
          {values.role === 'display' && (
            <Select label={t('privacy')} value={values.privacy} onChange={(e) => set({ privacy: e.target.value as PrivacyProfile })}>
              <option value="token">{t('privacy.token')}</option>
              <option value="initials">{t('privacy.initials')}</option>
            </Select>
          )}
        </div>
        <fieldset className="device-departments" aria-describedby="device-departments-hint">
          <legend>{t('departments')}</legend>
          {departments.map((d) => (
            <Check key={d.id} label={`${d.code} · ${names.of(d)}`} checked={values.departmentIds.includes(d.id)} onChange={(on) => toggle(d.id, on)} />
          ))}
        </fieldset>
        <p id="device-departments-hint" className="muted small">
          {t('departmentsHint')}
        </p>
        {(missing || errors.departmentIds) && (
          <p className="field-error" role="alert">
            {missing ? t('chooseDepartment') : errors.departmentIds}
          </p>
        )}
        <ProblemAlert error={create.error} labels={{ name: t('name'), role: t('role'), departmentIds: t('departments'), privacy: t('privacy') }} />
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? t('creating') : t('create')}
        </Button>
      </form>
    </>
  );
}
