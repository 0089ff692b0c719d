import type { NotificationMessage } from '@smart-token/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '../../components/ui/ui';
import { ProblemAlert } from '../errors/ProblemAlert';
import { useDeadLetters, useRetryMessage } from './notifications';
import { Notice, useMessageText, useTimeFormat } from './parts';
import './messages';
import './notifications.css';

function DeadLetterRow({ message, onNotice }: { message: NotificationMessage; onNotice: (text: string) => void }) {
  const { t } = useTranslation('notifications');
  const words = useMessageText();
  const time = useTimeFormat();
  const retry = useRetryMessage();
  const token = message.tokenNumber ?? t('noToken');
  return (
    <tr>
      <td>
        <time dateTime={message.updatedAt}>{time(message.updatedAt)}</time>
      </td>
      <td>
        <strong>{token}</strong>
      </td>
      <td>{words.trigger(message.trigger)}</td>
      <td>{words.channel(message.channel)}</td>
      <td>{message.attempts}</td>
      <td>{message.error ? <span lang="en">{message.error}</span> : <span className="muted">{t('noReason')}</span>}</td>
      <td>
        <Button
          tone="secondary"
          className="btn-small"
          disabled={retry.isPending}
          aria-label={t('retryLabel', { token })}
          onClick={() => retry.mutate(message, { onSuccess: () => onNotice(t('retried', { token })) })}
        >
          {retry.isPending ? t('sending') : t('retry')}
        </Button>
        <ProblemAlert error={retry.error} />
      </td>
    </tr>
  );
}

/** Messages that gave up after their retries, newest first, each with its reason and a Retry. */
export function DeadLetters() {
  const { t } = useTranslation('notifications');
  const dead = useDeadLetters();
  const [notice, setNotice] = useState('');
  const list = dead.data ?? [];
  return (
    <>
      <p className="muted">{t('deadIntro')}</p>
      <ProblemAlert error={dead.error} />
      <Notice text={notice} />
      {list.length === 0 ? (
        dead.isSuccess && <p className="muted">{t('noDead')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">{t('deadTitle')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('colGaveUp')}</th>
                <th scope="col">{t('colToken')}</th>
                <th scope="col">{t('colMessage')}</th>
                <th scope="col">{t('colChannel')}</th>
                <th scope="col">{t('colAttempts')}</th>
                <th scope="col">{t('colReason')}</th>
                <th scope="col">{t('colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((message) => (
                <DeadLetterRow key={message.id} message={message} onNotice={setNotice} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
