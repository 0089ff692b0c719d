/**
 * Failed requests as people can act on them: a sentence in the reader's language naming the field
 * and what to do. The server's machine text (problem+json `detail` of a validation error, zod's
 * "Too small: expected string…") is never shown; API clients still get it in `errors`.
 *
 * Use, in any form:
 *
 *   const fields = { 'patient.phone': { label: t('phone'), kind: 'phone', example }, 'patient.name': t('name') };
 *   fieldErrors(mutation.error, fields)['patient.phone']   // the sentence to show under that field
 *   <ProblemAlert error={mutation.error} fields={fields} /> // a summary: every field's sentence, or one for the whole error
 *
 * `fields` is keyed by the field's path in the request body (`body.` left off, as the server's
 * `errors[].path` names it); a plain string is just the label. The kind is guessed from the path
 * when not given (`…phone`, `…email`, `…Id` is a choice). A field the form does not name gets a
 * generic sentence. `problemMessage(error, fields)` gives one sentence for places with no list;
 * `localProblem(field, 'required' | 'invalid', fields)` the same words for what the form checks itself.
 */
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import { Alert } from '../../components/ui/ui';
import { ApiError } from '../../lib/api';
import './errors.css';
import './messages';
import { fieldOf, sentenceFor as sentenceWith, type FieldSpecs } from './problems';

export type { FieldKind, FieldSpec, FieldSpecs } from './problems';

const t = (key: string, options?: Record<string, unknown>) => i18next.t(`errors:${key}`, options ?? {});
const sentenceFor = (field: string, serverMessage: string, fields: FieldSpecs) => sentenceWith(field, serverMessage, fields, t);

/** A sentence for each field the server refused, keyed by the form's field path (the first complaint per field). */
export function fieldErrors(error: unknown, fields: FieldSpecs = {}): Record<string, string> {
  const out: Record<string, string> = {};
  if (error instanceof ApiError && error.code === 'VALIDATION_FAILED') {
    for (const e of error.errors) {
      const field = fieldOf(e.path);
      out[field] ??= sentenceFor(field, e.message, fields);
    }
  }
  return out;
}

/** The sentence for a problem the form found itself, before asking the server: the same words as the server's would get. */
export function localProblem(field: string, problem: 'required' | 'invalid', fields: FieldSpecs): string {
  return sentenceFor(field, problem === 'required' ? 'is required' : 'invalid', fields);
}

/**
 * The server's `detail` is written for people (and names the token), but in English only. Not
 * NOT_FOUND: its detail names the opaque id the client sent ("Token 01a2… does not exist").
 */
const PEOPLE_DETAIL_CODES = new Set(['INVALID_TRANSITION', 'CONFLICT', 'SELF_CHECK_IN_DISABLED', 'RATE_LIMITED']);
const KNOWN_CODES = new Set(['UNAUTHENTICATED', 'INVALID_CREDENTIALS', 'FORBIDDEN', 'RATE_LIMITED', 'INVALID_TRANSITION', 'CONFLICT', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE']);

/** One sentence for a failed request: the first field's sentence, or the error as a whole. */
export function problemMessage(error: unknown, fields: FieldSpecs = {}): string {
  if (!(error instanceof ApiError)) return error instanceof TypeError ? t('network') : t('unknown');
  if (error.code === 'VALIDATION_FAILED') {
    const first = error.errors[0];
    return first ? sentenceFor(fieldOf(first.path), first.message, fields) : t('generic');
  }
  if (error.status >= 500) return t('unknown');
  // In English the server's own sentence says more ("Token GEN-004 is already completed…").
  if (PEOPLE_DETAIL_CODES.has(error.code) && i18next.language === 'en' && error.detail) return error.detail;
  if (KNOWN_CODES.has(error.code)) return t(error.code);
  return t('generic');
}

/**
 * A failed request shown above the form's button (role=alert, read out as it appears): for refused
 * input, each field's sentence; otherwise one sentence. `labels` is the older name of `fields`.
 */
export function ProblemAlert({ error, fields, labels }: { error: unknown; fields?: FieldSpecs; labels?: FieldSpecs }) {
  // Re-rendered when the language changes.
  useTranslation('errors');
  if (!error) return null;
  const specs = fields ?? labels ?? {};
  if (error instanceof ApiError && error.code === 'VALIDATION_FAILED' && error.errors.length > 1) {
    const sentences = [...new Set(error.errors.map((e) => sentenceFor(fieldOf(e.path), e.message, specs)))];
    return (
      <Alert>
        <p className="problem-title">{t('fixFields')}</p>
        <ul className="problem-list">
          {sentences.map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ul>
      </Alert>
    );
  }
  return <Alert>{problemMessage(error, specs)}</Alert>;
}
