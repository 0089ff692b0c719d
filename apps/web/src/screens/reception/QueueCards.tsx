import type { Counter, Department, Token } from '@smart-token/contracts';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PriorityBadge, StatusBadge, minutesSince } from '../../features/queue/components';
import { useQueue } from '../../features/queue/queue';
import { useDepartmentNames } from '../../features/setup/setup';

/** Waits on screen move with the clock, not only with events. */
const TICK_MS = 30_000;
const WAITING_SHOWN = 8;

function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** Every department's line for staff: who waits (names, in call order) and for how long, who is at which counter. */
export function QueueCards({ departments, counters }: { departments: Department[]; counters: Counter[] }) {
  const now = useNow();
  return (
    <div className="rcards">
      {departments.map((d) => (
        <QueueCard key={d.id} department={d} counters={counters} now={now} />
      ))}
    </div>
  );
}

function QueueCard({ department, counters, now }: { department: Department; counters: Counter[]; now: number }) {
  const { t } = useTranslation('reception');
  const { t: queueText } = useTranslation('queue');
  const names = useDepartmentNames();
  const queue = useQueue(department.id);
  const headingId = useId();
  const data = queue.data;
  const counterName = (token: Token) => counters.find((c) => c.id === token.counterId)?.name ?? queueText('aCounter');
  const atCounters = data ? [...data.serving, ...data.called].sort((a, b) => (b.calledAt ?? '').localeCompare(a.calledAt ?? '')) : [];
  const longest = data?.waiting.reduce((max, token) => Math.max(max, minutesSince(token.issuedAt, now)), 0) ?? 0;

  return (
    <article className="rcard" aria-labelledby={headingId}>
      <header className="rcard-head">
        <h3 id={headingId} className="rcard-title">
          {names.of(department)} <span className="rcard-code">{department.code}</span>
        </h3>
        {data && (
          <p className="rcard-count">
            <span className="rcard-count-number">{data.waitingCount}</span> {t('waitingCount')}
            {data.waiting.length > 0 && <span className="rcard-longest"> · {t('longestWait', { minutes: longest })}</span>}
          </p>
        )}
      </header>
      {queue.isError && <p className="field-error">{queueText('loadFailed')}</p>}
      {data && (
        <>
          <h4 className="rcard-sub">{t('waitingList')}</h4>
          {data.waiting.length === 0 ? (
            <p className="muted">{t('nobodyWaiting')}</p>
          ) : (
            <ol className="rcard-list">
              {data.waiting.slice(0, WAITING_SHOWN).map((token) => (
                <li key={token.id} className="rcard-row">
                  <strong className="rcard-number">{token.number}</strong>
                  <span className="rcard-name">{token.patient.name}</span>
                  <PriorityBadge priority={token.priority} />
                  <span className="rcard-wait">{t('waited', { minutes: minutesSince(token.issuedAt, now) })}</span>
                </li>
              ))}
            </ol>
          )}
          {data.waitingCount > WAITING_SHOWN && <p className="muted">{t('moreWaiting', { count: data.waitingCount - WAITING_SHOWN })}</p>}
          <h4 className="rcard-sub">{t('atCounters')}</h4>
          {atCounters.length === 0 ? (
            <p className="muted">{t('nobodyCalled')}</p>
          ) : (
            <ul className="rcard-list">
              {atCounters.map((token) => (
                <li key={token.id} className="rcard-row">
                  <strong className="rcard-number">{token.number}</strong>
                  <span className="rcard-name">{token.patient.name}</span>
                  <span className="rcard-wait">{counterName(token)}</span>
                  <StatusBadge status={token.status} />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </article>
  );
}
