import { useTranslation } from 'react-i18next';
import { ProblemAlert } from '../errors/ProblemAlert';
import { useTokenMessages } from './notifications';
import { StateBadge, useMessageText } from './parts';
import './messages';
import './notifications.css';

/**
 * The SMS and WhatsApp messages of one token, oldest first: what each was about, how it went, and
 * why one did not arrive. Shown only when the token has messages (a patient who chose none has none).
 */
export function TokenMessages({ tokenId }: { tokenId: string | undefined }) {
  const { t, i18n } = useTranslation('notifications');
  const words = useMessageText();
  // Today's token: the time is enough, as in the journey beside it.
  const time = (iso: string) => new Date(iso).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' });
  const messages = useTokenMessages(tokenId);
  if (!tokenId) return null;
  if (messages.isError) return <ProblemAlert error={messages.error} />;
  const list = messages.data ?? [];
  if (list.length === 0) return null;
  return (
    <section className="card" aria-labelledby="token-messages-heading">
      <h2 id="token-messages-heading">{t('tokenMessages')}</h2>
      <ol className="token-messages">
        {list.map((m) => (
          <li key={m.id} className="token-message">
            <time dateTime={m.createdAt}>{time(m.createdAt)}</time>
            <span className="token-message-what">
              <strong>{words.trigger(m.trigger)}</strong> · {words.channel(m.channel)} <StateBadge state={m.state} />
            </span>
            {m.error && (
              <span className="token-message-error">
                {t('reason')}: <span lang="en">{m.error}</span>
              </span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
