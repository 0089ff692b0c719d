import type { Token } from '@smart-token/contracts';
import { useTranslation } from 'react-i18next';
import { minutesSince } from '../../features/queue/components';

/** The line's next patient, named before anyone presses a button (staff see names; boards never do). */
export function NextUp({ token }: { token: Token | undefined }) {
  const { t } = useTranslation('counter');
  if (!token) return <p className="next-up muted">{t('nextNobody')}</p>;
  return (
    <p className="next-up">
      <span className="next-up-label">{t('nextUp')}</span> <strong>{token.number}</strong> · <span className="next-up-name">{token.patient.name}</span>{' '}
      <span className="muted">· {t('waited', { count: minutesSince(token.issuedAt) })}</span>
    </p>
  );
}
