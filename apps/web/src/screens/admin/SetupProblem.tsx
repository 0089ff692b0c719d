import { useTranslation } from 'react-i18next';
import { Alert } from '../../components/ui/ui';
import { ProblemAlert, type FieldSpecs } from '../../features/errors/ProblemAlert';
import { ApiError } from '../../lib/api';

/** The server's reasons for refusing a setup change (`errors[0].message` of a 409), and the sentence for each. */
const REASONS: Record<string, Record<'counter' | 'department', string>> = {
  'already exists': { counter: 'conflict.counterExists', department: 'conflict.departmentExists' },
  'has tokens': { counter: 'conflict.counterHasTokens', department: 'conflict.departmentHasTokens' },
  'has counters': { counter: 'conflict.inUse', department: 'conflict.departmentHasCounters' },
  'has a patient now': { counter: 'conflict.counterBusy', department: 'conflict.inUse' },
  'printed on tokens': { counter: 'conflict.inUse', department: 'conflict.codePrinted' },
  'in use': { counter: 'conflict.inUse', department: 'conflict.inUse' },
};

/**
 * A refused setup change in the reader's language. English readers get the server's own sentence
 * (it names the clashing counter as stored); other languages get ours, from the reason the server gives.
 */
export function SetupProblem({ error, fields, kind, name, department }: { error: unknown; fields?: FieldSpecs; kind: 'counter' | 'department'; name: string; department?: string }) {
  const { t, i18n } = useTranslation('admin');
  const reason = error instanceof ApiError && error.code === 'CONFLICT' ? error.errors[0]?.message : undefined;
  const key = reason ? REASONS[reason]?.[kind] : undefined;
  if (!key || i18n.language === 'en') return <ProblemAlert error={error} fields={fields} />;
  return <Alert>{t(key, { name, department: department ?? '' })}</Alert>;
}
