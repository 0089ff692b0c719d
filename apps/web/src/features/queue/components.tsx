import type { Counter, Department, Priority, Token, TokenStatus } from '@smart-token/contracts';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge } from '../../components/ui/ui';
import type { LiveState } from '../../lib/live';
import './messages';
import { useQueue } from './queue';
import './queue.css';
import { useDepartmentNames } from '../setup/setup';

/** Connection state for staff: quiet when live, visible when the screen may be out of date. */
export function LiveBadge({ state }: { state: LiveState }) {
  const { t } = useTranslation('queue');
  const { t: common } = useTranslation();
  return (
    <span role="status" className="live-badge">
      {state === 'open' ? <Badge tone="ok">{common('live')}</Badge> : <Badge tone="warn">{state === 'connecting' ? t('connecting') : common('reconnecting')}</Badge>}
    </span>
  );
}

/** Only the classes that jump the line are flagged; a normal token needs no badge. */
export function PriorityBadge({ priority }: { priority: Priority }) {
  const { t } = useTranslation('queue');
  if (priority === 'normal') return null;
  return <span className={`badge badge-${priority}`}>{t(`short.${priority}`)}</span>;
}

export function StatusBadge({ status }: { status: TokenStatus }) {
  const { t } = useTranslation();
  const tone = status === 'serving' || status === 'completed' ? 'ok' : status === 'called' || status === 'waiting' ? 'info' : 'warn';
  return <Badge tone={tone}>{t(`status.${status}`)}</Badge>;
}

const REASON_KEYS: Record<string, string> = {
  emergency: 'reason.emergency',
  priority: 'reason.priority',
  'returned after park': 'reason.returned',
  'arrival order': 'reason.arrival',
};
const WAITED = /^waited (\d+) min > (\d+)$/;

/** The server's reason for a token's place (API.md: "emergency", "waited 52 min > 45", …) in the reader's language. */
export function ReasonText({ reason }: { reason: string }) {
  const { t } = useTranslation('queue');
  const key = REASON_KEYS[reason];
  if (key) return <>{t(key)}</>;
  const waited = WAITED.exec(reason);
  if (waited) return <>{t('reason.waited', { minutes: waited[1], max: waited[2] })}</>;
  return <>{reason}</>;
}

/** Minutes since an ISO time, for "waited 12 min". */
export const minutesSince = (iso: string, now = Date.now()) => Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60_000));

const NEXT_SHOWN = 6;

/** One department at a glance: how many wait, who is next, who is at which counter. */
export function DepartmentQueueCard({ department, counters }: { department: Department; counters: Counter[] }) {
  const { t } = useTranslation('queue');
  const queue = useQueue(department.id);
  const names = useDepartmentNames();
  const headingId = useId();
  const counterName = (token: Token) => counters.find((c) => c.id === token.counterId)?.name ?? t('aCounter');
  const data = queue.data;
  const atCounters = data ? [...data.serving, ...data.called].sort((a, b) => (b.calledAt ?? '').localeCompare(a.calledAt ?? '')) : [];
  const waitingCount = data?.waitingCount ?? 0;
  return (
    <article className="qcard" aria-labelledby={headingId}>
      <h3 id={headingId} className="qcard-title">
        {names.of(department)} <span className="qcard-code">{department.code}</span>
      </h3>
      {queue.isError && <p className="field-error">{t('loadFailed')}</p>}
      {data && (
        <>
          <p className="qcard-count">
            <span className="qcard-count-number">{waitingCount}</span> {t('waiting')}
          </p>
          <h4 className="qcard-sub">{t('nextInLine')}</h4>
          {data.waiting.length === 0 ? (
            <p className="muted">{t('nobodyWaiting')}</p>
          ) : (
            <ol className="chips">
              {data.waiting.slice(0, NEXT_SHOWN).map((token) => (
                <li key={token.id} className={`chip chip-${token.priority}`}>
                  {token.number}
                  {token.priority !== 'normal' && <span className="visually-hidden"> ({t(`short.${token.priority}`)})</span>}
                </li>
              ))}
              {waitingCount > NEXT_SHOWN && <li className="chip chip-more">{t('more', { count: waitingCount - NEXT_SHOWN })}</li>}
            </ol>
          )}
          <h4 className="qcard-sub">{t('atCounters')}</h4>
          {atCounters.length === 0 ? (
            <p className="muted">{t('nobodyCalled')}</p>
          ) : (
            <ul className="qcard-called">
              {atCounters.map((token) => (
                <li key={token.id}>
                  <strong>{token.number}</strong> <span>{counterName(token)}</span> <StatusBadge status={token.status} />
                </li>
              ))}
            </ul>
          )}
          {data.parked.length > 0 && (
            <p className="muted">
              {t('parked')}: {data.parked.map((p) => p.number).join(', ')}
            </p>
          )}
        </>
      )}
    </article>
  );
}
