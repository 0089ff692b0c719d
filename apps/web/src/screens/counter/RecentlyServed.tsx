import { canTransition, type Counter, type CounterAction, type Department } from '@smart-token/contracts';
import { useTranslation } from 'react-i18next';
import { Button } from '../../components/ui/ui';
import { StatusBadge } from '../../features/queue/components';
import { useDepartmentNames } from '../../features/setup/setup';

/** How a past patient can be brought back to this counter, as the state machine allows; or why not. */
export type CallBack = { kind: 'undo' } | { kind: 'call' } | { kind: 'none'; why: string };

/**
 * Patients this counter finished lately, from the server's history (so the list survives a reload),
 * each with a way back to the counter where there is one: undoing the counter's own change while it
 * is still the token's last, or calling a token that waits in this department again.
 */
export function RecentlyServed({
  entries,
  counter,
  departments,
  busy,
  onCallBack,
}: {
  entries: CounterAction[] | undefined;
  counter: Counter;
  departments: Department[];
  busy: boolean;
  onCallBack: (entry: CounterAction, how: 'undo' | 'call') => void;
}) {
  const { t, i18n } = useTranslation('counter');
  const { t: common } = useTranslation();
  const nameOf = useDepartmentNames(departments).byId;
  const time = (iso: string) => new Date(iso).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' });

  function howBack(entry: CounterAction): CallBack {
    const { token } = entry;
    if (entry.undoable && canTransition(token.status, 'undo')) return { kind: 'undo' };
    if (token.departmentId === counter.departmentId && canTransition(token.status, 'call')) return { kind: 'call' };
    if (token.departmentId !== counter.departmentId) return { kind: 'none', why: t('whyMovedOn', { number: token.number, status: common(`status.${token.status}`), department: nameOf(token.departmentId) }) };
    return { kind: 'none', why: t('whyChangedSince', { number: token.number, status: common(`status.${token.status}`) }) };
  }

  const what = (entry: CounterAction) => {
    if (entry.action === 'complete' && entry.token.status === 'waiting') return t('servedSentOn', { department: nameOf(entry.token.departmentId) });
    return t(`served.${entry.action}`, { defaultValue: entry.action });
  };

  return (
    <section className="card" aria-labelledby="recent-heading">
      <h2 id="recent-heading">{t('recentTitle')}</h2>
      {entries && entries.length === 0 && <p className="muted">{t('recentEmpty')}</p>}
      {entries && entries.length > 0 && (
        <ul className="recent-list">
          {entries.map((entry) => {
            const back = howBack(entry);
            const number = entry.token.number;
            return (
              <li key={entry.token.id} className="recent-item">
                <div className="recent-who">
                  <strong>{number}</strong> <span>{entry.token.patient.name}</span>
                  <span className="muted recent-what">
                    {what(entry)} · {time(entry.at)} <StatusBadge status={entry.token.status} />
                  </span>
                </div>
                <Button
                  tone="secondary"
                  className="btn-small"
                  disabled={busy || back.kind === 'none'}
                  title={back.kind === 'none' ? back.why : undefined}
                  aria-label={back.kind === 'call' ? t('callThis', { number, counter: counter.name }) : t('callBackThis', { number, counter: counter.name })}
                  onClick={() => back.kind !== 'none' && onCallBack(entry, back.kind)}
                >
                  {back.kind === 'call' ? t('call') : t('callBack')}
                </Button>
                {back.kind === 'none' && <span className="visually-hidden">{back.why}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
