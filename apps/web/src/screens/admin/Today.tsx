import type { Counter, Department } from '@smart-token/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge } from '../../components/ui/ui';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { reportKeys, useTodayReport } from '../../features/setup/reports';
import { connectLive, type LiveState } from '../../lib/live';

/** Many calls in a second make one reload, not one each. */
const RELOAD_AFTER_MS = 500;
/** The live socket takes this many department subscriptions. */
const MAX_LIVE_DEPARTMENTS = 20;

/** Reloads today's figures whenever something happens in any department (live events). */
function useLiveReload(departmentIds: string[]): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  const key = departmentIds.join(',');
  useEffect(() => {
    if (!key) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reload = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        void client.invalidateQueries({ queryKey: reportKeys.today });
      }, RELOAD_AFTER_MS);
    };
    const subscriptions = key
      .split(',')
      .slice(0, MAX_LIVE_DEPARTMENTS)
      .map((departmentId) => ({ action: 'subscribe' as const, topic: 'department' as const, departmentId }));
    const live = connectLive(subscriptions, { onEvent: reload, onResync: reload, onSubscribed: reload, onState: setState });
    return () => {
      clearTimeout(timer);
      live.close();
    };
  }, [client, key]);
  return state;
}


export function Today({ departments, counters }: { departments: Department[]; counters: Counter[] }) {
  const { t } = useTranslation('admin');
  const report = useTodayReport();
  const live = useLiveReload(departments.map((d) => d.id));
  const r = report.data;
  const departmentName = (id: string) => departments.find((d) => d.id === id)?.name ?? '—';
  const counterName = (id: string) => counters.find((c) => c.id === id)?.name ?? '—';

  const minutesText = (value: number | null) => (value === null ? '—' : t('minutesShort', { count: value }));

  if (!r) return <ProblemAlert error={report.error} />;
  const tiles: [string, string][] = [
    [t('tIssued'), String(r.issued)],
    [t('tWaiting'), String(r.waitingNow)],
    [t('tAverageWait'), minutesText(r.averageWaitMinutes)],
    [t('tP90Wait'), minutesText(r.p90WaitMinutes)],
    [t('tServed'), String(r.served)],
    [t('tNoShows'), String(r.noShows)],
  ];
  return (
    <>
      <p className="muted today-live">
        {t('todayOf', { day: r.day })} {live === 'open' ? <Badge tone="ok">{t('live')}</Badge> : <Badge tone="warn">{t('reconnecting')}</Badge>}
      </p>
      <dl className="tiles">
        {tiles.map(([label, value]) => (
          <div className="tile" key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <h3>{t('byDepartment')}</h3>
      {r.departments.length === 0 ? (
        <p className="muted">{t('nothingYet')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colDepartment')}</th>
                <th scope="col">{t('tIssued')}</th>
                <th scope="col">{t('tWaiting')}</th>
                <th scope="col">{t('tAverageWait')}</th>
                <th scope="col">{t('tP90Wait')}</th>
                <th scope="col">{t('tServed')}</th>
                <th scope="col">{t('tNoShows')}</th>
              </tr>
            </thead>
            <tbody>
              {r.departments.map((d) => (
                <tr key={d.departmentId}>
                  <th scope="row">{departmentName(d.departmentId)}</th>
                  <td>{d.issued}</td>
                  <td>{d.waitingNow}</td>
                  <td>{minutesText(d.averageWaitMinutes)}</td>
                  <td>{minutesText(d.p90WaitMinutes)}</td>
                  <td>{d.served}</td>
                  <td>{d.noShows}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>{t('servedPerCounter')}</h3>
      {r.counters.length === 0 ? (
        <p className="muted">{t('nothingYet')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colCounter')}</th>
                <th scope="col">{t('colDepartment')}</th>
                <th scope="col">{t('tServed')}</th>
              </tr>
            </thead>
            <tbody>
              {r.counters.map((c) => (
                <tr key={c.counterId}>
                  <th scope="row">{counterName(c.counterId)}</th>
                  <td>{departmentName(c.departmentId)}</td>
                  <td>{c.served}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
