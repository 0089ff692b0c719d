import { canTransition, type Counter, type Department, type Queue, type Token } from '@smart-token/contracts';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '../../components/ui/ui';
import { PriorityBadge, ReasonText, minutesSince } from '../../features/queue/components';

const CLOCK_TICK_MS = 30_000;

/** Re-renders now and then so "waited 12 min" keeps counting without a reload. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), CLOCK_TICK_MS);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** The department's line in call order, each with why it stands there, and a way to call one out of order. */
export function WaitingList({
  queue,
  department,
  counter,
  busy,
  onCall,
}: {
  queue: Queue | undefined;
  department: Department;
  counter: Counter;
  busy: boolean;
  onCall: (token: Token) => void;
}) {
  const { t } = useTranslation('counter');
  const { t: queueText } = useTranslation('queue');
  const now = useNow();
  const waiting = queue?.waiting ?? [];

  return (
    <section className="card" aria-labelledby="waiting-heading">
      <h2 id="waiting-heading">
        {t('waitingTitle')} <span className="count-pill">{queue?.waitingCount ?? 0}</span>
      </h2>
      {queue && waiting.length === 0 && <p className="muted">{queueText('nobodyWaiting')}</p>}
      {waiting.length > 0 && (
        <div className="table-scroll">
          <table className="waiting-table">
            <thead>
              <tr>
                <th scope="col">{t('colPosition')}</th>
                <th scope="col">{t('colToken')}</th>
                <th scope="col">{t('colPatient')}</th>
                <th scope="col">{t('colWaited')}</th>
                <th scope="col">{t('colReason')}</th>
                <th scope="col">{t('colAction')}</th>
              </tr>
            </thead>
            <tbody>
              {waiting.map((token, index) => {
                const waited = minutesSince(token.issuedAt, now);
                const over = waited > department.maxWaitMinutes;
                return (
                  <tr key={token.id} className={over ? 'row-over' : undefined}>
                    <td>{token.position ?? index + 1}</td>
                    <td>
                      <strong>{token.number}</strong> <PriorityBadge priority={token.priority} />
                    </td>
                    <td>{token.patient.name}</td>
                    <td>
                      {t('minutes', { count: waited })}
                      {over && (
                        <>
                          {' '}
                          <span className="badge badge-emergency">{t('overWait', { max: department.maxWaitMinutes })}</span>
                        </>
                      )}
                    </td>
                    <td>
                      <ReasonText reason={token.reason} />
                    </td>
                    <td>
                      <Button tone="secondary" className="btn-small" disabled={busy || !canTransition(token.status, 'call')} title={busy ? t('whyBusy') : undefined} onClick={() => onCall(token)} aria-label={t('callThis', { number: token.number, counter: counter.name })}>
                        {t('call')}
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {queue && queue.parked.length > 0 && (
        <>
          <h3 className="sub-heading">{t('parkedTitle')}</h3>
          <ul className="chips">
            {queue.parked.map((token) => (
              <li key={token.id} className="chip">
                {token.number}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
