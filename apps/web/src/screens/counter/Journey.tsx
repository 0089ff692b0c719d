import { TRANSITIONS, type Department, type HistoryAction, type TokenStatus } from '@smart-token/contracts';
import { useTranslation } from 'react-i18next';
import { useToken } from '../../features/queue/queue';
import { actorText, reasonText } from './journey-messages';
import { useDepartmentNames } from '../../features/setup/setup';

/**
 * The status an action normally leads to: its first step in the state machine (a recall's is
 * `called`, not the no-show past the limit). The journey names the status only when it is a
 * surprise (a recall that became a no-show, an undo).
 */
function usualStatus(action: HistoryAction): TokenStatus | undefined {
  if (action === 'issue') return 'waiting';
  const step = Object.values(TRANSITIONS).find((t) => t.action === action);
  return step?.to === 'previous' ? undefined : step?.to;
}

/** The visit so far, stage by stage: who did what, when, and in which department. */
export function Journey({ tokenId, departments }: { tokenId: string | undefined; departments: Department[] }) {
  const { t, i18n } = useTranslation('counter');
  const { t: queueText } = useTranslation('queue');
  const { t: common } = useTranslation();
  const { t: journeyText } = useTranslation('journey');
  const actionText = (action: string) => queueText(`action.${action}`, { defaultValue: action });
  const token = useToken(tokenId);
  const nameOf = useDepartmentNames(departments).byId;
  const time = (iso: string) => new Date(iso).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' });
  const history = tokenId ? token.data?.history : undefined;

  return (
    <section className="card" aria-labelledby="journey-heading">
      <h2 id="journey-heading">{t('journey')}</h2>
      {!tokenId && <p className="muted">{t('journeyEmpty')}</p>}
      {history && (
        <ol className="journey">
          {history.map((entry, index) => {
            // Completed here and sent on: the entry names the next department, and says so.
            const sentOn = entry.action === 'complete' && entry.toStatus === 'waiting';
            const reason = !sentOn && entry.reason ? reasonText(entry.reason, journeyText, actionText, nameOf(entry.departmentId)) : undefined;
            return (
              <li key={`${entry.at}-${index}`} className={`journey-step journey-${sentOn ? 'sent' : entry.action}`}>
                <time dateTime={entry.at}>{time(entry.at)}</time>
                <span className="journey-what">
                  <strong>{queueText(sentOn ? 'action.sentOn' : `action.${entry.action}`, { defaultValue: entry.action })}</strong> · {nameOf(entry.departmentId)}
                  {!sentOn && usualStatus(entry.action) !== entry.toStatus && ` · ${common(`status.${entry.toStatus}`)}`}
                  {reason && <span className="muted"> ({reason})</span>}
                </span>
                <span className="journey-by">{actorText(entry.byKind, journeyText) ?? t('by', { name: entry.by })}</span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
