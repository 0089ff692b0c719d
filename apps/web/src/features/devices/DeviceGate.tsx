import type { PairedDevice, Role } from '@smart-token/contracts';
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { RequireRole } from '../../app/Shell';
import { useMe } from '../auth/auth';
import { ApiError } from '../../lib/api';
import { useDevice, usePair } from './devices';
import './devices.css';
import './messages';

/** What the code field takes while typed on a TV remote or a kiosk's screen: digits, spaces and dashes. */
const TYPED_CODE = /[^\d\s-]/g;

function pairError(error: unknown): string {
  if (!(error instanceof ApiError)) return 'pairFailed';
  if (error.status === 429) return 'pairLocked';
  if (error.status === 400) return 'pairBadFormat';
  if (error.status === 401) return 'pairWrong';
  return 'pairFailed';
}

/** The screen of a board or kiosk that has no credentials: the pairing code from Admin → Devices, or a staff sign-in. */
export function PairingScreen() {
  const { t } = useTranslation('devices');
  const location = useLocation();
  const pair = usePair();
  const [code, setCode] = useState('');
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (pair.isPending || code.trim() === '') return;
    pair.mutate(code.trim(), { onError: () => input.current?.focus() });
  }

  const error = pair.error ? t(pairError(pair.error)) : '';
  return (
    <main className="pairing" id="main">
      <form className="pairing-card" onSubmit={submit} noValidate>
        <h1>{t('pairTitle')}</h1>
        <p className="pairing-lead">{t('pairLead')}</p>
        <label htmlFor={inputId}>{t('pairingCode')}</label>
        <input
          ref={input}
          id={inputId}
          className="pairing-input"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={20}
          value={code}
          aria-describedby={`${hintId}${error ? ` ${errorId}` : ''}`}
          aria-invalid={error ? true : undefined}
          onChange={(e) => setCode(e.target.value.replace(TYPED_CODE, ''))}
        />
        <p id={hintId} className="pairing-hint">
          {t('pairingCodeHint')}
        </p>
        {error && (
          <p id={errorId} className="pairing-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="pairing-button" disabled={pair.isPending}>
          {pair.isPending ? t('pairing') : t('pair')}
        </button>
        <p className="pairing-staff">
          <Link to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}>{t('staffSignIn')}</Link>
        </p>
      </form>
    </main>
  );
}

function Refusal({ text }: { text: string }) {
  return (
    <main className="pairing" id="main">
      <div className="pairing-card">
        <p role="alert">{text}</p>
      </div>
    </main>
  );
}

/**
 * A board's or kiosk's screen: staff signed in with a role that may open it see it as before;
 * otherwise it runs on the device it was paired as (its cookie, for months, no staff sign-in), and
 * a screen that is not paired, or whose device was revoked, shows the pairing screen.
 */
export function DeviceGate({ kind, staffRoles, departmentIds, children }: { kind: 'display' | 'kiosk'; staffRoles: Role[]; departmentIds?: string[]; children: (device: PairedDevice['device'] | undefined) => ReactNode }) {
  const { t } = useTranslation('devices');
  // A staff session wins over the device cookie on the server: /devices/me answers only a device.
  const device = useDevice();
  const me = useMe();
  if (device.isPending || (!device.data && me.isPending)) return <p role="status">{t('common:loading')}</p>;
  const paired = device.data?.device;
  // /auth/me answers a device's cookie too (as `device:<id>`): only a person's session counts as staff here.
  const staff = me.data && !me.data.id.startsWith('device:');
  if (!paired) return staff ? <RequireRole roles={staffRoles}>{children(undefined)}</RequireRole> : <PairingScreen />;
  if (paired.role !== kind) return <Refusal text={t('wrongRole', { role: t(`role.${paired.role}`), wanted: t(`role.${kind}`) })} />;
  if (departmentIds?.some((id) => !paired.departmentIds.includes(id))) return <Refusal text={t('otherDepartment')} />;
  return <>{children(paired)}</>;
}
