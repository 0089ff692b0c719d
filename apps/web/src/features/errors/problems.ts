/**
 * The rules that turn a server's complaint about a field (`errors[].path` + its machine message)
 * into a sentence for people. Pure: the caller passes the translation function (ProblemAlert.tsx
 * binds the `errors` catalogue), so the rules are tested without a browser.
 */

/** Looks a key of the `errors` catalogue up with its values. */
export type Translate = (key: string, options?: Record<string, unknown>) => string;

export type FieldKind = 'text' | 'phone' | 'email' | 'password' | 'choice' | 'number';

export interface FieldSpec {
  /** The label the form shows for the field. */
  label: string;
  kind?: FieldKind;
  /** A valid value to cite (phones: the clinic's example number, from `usePhoneFormat`). */
  example?: string;
}

export type FieldSpecs = Record<string, string | FieldSpec>;

/** The server names fields as `body.patient.phone`; forms know them as `patient.phone`. */
export const fieldOf = (path: string) => path.replace(/^body\./, '');

function kindOf(field: string, spec: FieldSpec): FieldKind {
  if (spec.kind) return spec.kind;
  const last = field.split('.').at(-1) ?? field;
  if (/phone/i.test(last)) return 'phone';
  if (/email/i.test(last)) return 'email';
  if (/password/i.test(last)) return 'password';
  if (/Id$/.test(last)) return 'choice';
  return 'text';
}

/** One server complaint about one field, as a sentence naming the field (or a generic one for a field the form does not name). */
export function sentenceFor(field: string, serverMessage: string, fields: FieldSpecs, t: Translate): string {
  const given = fields[field];
  if (given === undefined) return t('generic');
  const spec: FieldSpec = typeof given === 'string' ? { label: given } : given;
  const label = { field: spec.label };
  const kind = kindOf(field, spec);
  if (/unknown field/i.test(serverMessage)) return t('generic');
  if (/received undefined|is required|required|>=\s*1 characters?/i.test(serverMessage)) return kind === 'choice' ? t('choice', label) : t('required', label);
  const tooLong = /too big.*<=\s*(\d+)/i.exec(serverMessage);
  if (tooLong && kind !== 'phone' && kind !== 'number') return t('tooLong', { ...label, max: tooLong[1] });
  if (kind === 'phone') return spec.example ? t('phone', { ...label, example: spec.example }) : t('phoneNoExample', label);
  if (kind === 'email') return t('email', label);
  if (kind === 'choice' || /no such|must be an id|invalid option/i.test(serverMessage)) return t('choice', label);
  const tooShort = /too small.*>=\s*(\d+)/i.exec(serverMessage);
  if (tooShort) return t('tooShort', { ...label, min: tooShort[1] });
  if (kind === 'number' || /expected (number|int)/i.test(serverMessage)) return t('number', label);
  return t('invalid', label);
}

