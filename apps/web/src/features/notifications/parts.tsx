import type { MessageState, NotificationMessage } from '@smart-token/contracts';
import type { ReactNode } from 'react';
import { Switch } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { Badge } from '../../components/ui/ui';

const STATE_TONE: Record<MessageState, 'ok' | 'info' | 'warn'> = {
  pending: 'info',
  sending: 'info',
  sent: 'ok',
  delivered: 'ok',
  undelivered: 'warn',
  failed: 'warn',
  dead: 'warn',
  skipped: 'warn',
};

/** A message's state in words, coloured by whether it reached the patient. */
export function StateBadge({ state }: { state: MessageState }) {
  const { t } = useTranslation('notifications');
  return <Badge tone={STATE_TONE[state]}>{t(`state.${state}`)}</Badge>;
}

/** What a message is about, in words (a token's change, or a test). */
export function useMessageText() {
  const { t } = useTranslation('notifications');
  return {
    trigger: (trigger: NotificationMessage['trigger']) => t(`trigger.${trigger}`),
    channel: (channel: NotificationMessage['channel']) => t(`channel.${channel}`),
  };
}

export function useTimeFormat() {
  const { i18n } = useTranslation();
  return (iso: string) => new Date(iso).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
}

/** An on/off setting (React Aria: a checkbox with role=switch, Space toggles, the label is part of it). */
export function Toggle({ children, isSelected, onChange, isDisabled }: { children: ReactNode; isSelected: boolean; onChange: (on: boolean) => void; isDisabled?: boolean }) {
  return (
    <Switch isSelected={isSelected} onChange={onChange} isDisabled={isDisabled} className="notify-switch">
      <span className="notify-switch-track" aria-hidden="true">
        <span className="notify-switch-thumb" />
      </span>
      {children}
    </Switch>
  );
}

/** A success line beside the form that caused it (read out politely). */
export function Notice({ text }: { text: string }) {
  return (
    <p role="status" className="notify-notice">
      {text}
    </p>
  );
}
