import { useTranslation } from 'react-i18next';
import { Alert } from '../../components/ui/ui';
import { registerMessages } from '../../i18n';
import { ApiError } from '../../lib/api';
import './errors.css';

registerMessages('errors', {
  en: {
    network: 'The server could not be reached. Check the connection and try again.',
    unknown: 'Something went wrong. Try again.',
    fixFields: 'Please correct these fields:',
  },
  hi: {
    network: 'सर्वर से संपर्क नहीं हो सका। कनेक्शन जाँचें और फिर से कोशिश करें।',
    unknown: 'कुछ गलत हो गया। फिर से कोशिश करें।',
    fixFields: 'कृपया ये फ़ील्ड ठीक करें:',
  },
  ar: {
    network: 'تعذّر الوصول إلى الخادم. تحقّق من الاتصال وأعد المحاولة.',
    unknown: 'حدث خطأ ما. أعد المحاولة.',
    fixFields: 'يرجى تصحيح هذه الحقول:',
  },
});

/** The server names fields as `body.code`; forms know them as `code`. */
const fieldOf = (path: string) => path.replace(/^body\./, '');

/** The first server message for each field, to show under that field. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (error instanceof ApiError) for (const e of error.errors) out[fieldOf(e.path)] ??= e.message;
  return out;
}

/**
 * A failed request as a receptionist can act on it: the server's sentence (problem+json `detail`),
 * or for bad input each field with what is wrong, named by the form's own labels.
 */
export function ProblemAlert({ error, labels = {} }: { error: unknown; labels?: Record<string, string> }) {
  const { t } = useTranslation('errors');
  if (!error) return null;
  if (!(error instanceof ApiError)) return <Alert>{error instanceof TypeError ? t('network') : t('unknown')}</Alert>;
  if (error.errors.length === 0) return <Alert>{error.detail}</Alert>;
  return (
    <Alert>
      <p className="problem-title">{t('fixFields')}</p>
      <ul className="problem-list">
        {error.errors.map((e) => (
          <li key={e.path}>
            <strong>{labels[fieldOf(e.path)] ?? fieldOf(e.path)}</strong>: {e.message}
          </li>
        ))}
      </ul>
    </Alert>
  );
}
