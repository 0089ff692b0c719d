import { issueTokenBodySchema } from '@smart-token/contracts';
import { describe, expect, it } from 'vitest';
import { sentenceFor, type FieldSpecs, type Translate } from './problems';

/** The catalogue's key and values, so a test reads which sentence was chosen with what. */
const t: Translate = (key, options = {}) => `${key} ${JSON.stringify(options)}`;

const fields: FieldSpecs = {
  'patient.name': 'Patient name',
  'patient.phone': { label: 'Phone number', kind: 'phone', example: '081234 56789' },
  departmentId: { label: 'Department', kind: 'choice' },
  email: { label: 'Email', kind: 'email' },
};

/** What the server's zod schema says for this body: the machine messages the web must never show. */
function zodMessages(body: unknown): { path: string; message: string }[] {
  const result = issueTokenBodySchema.safeParse(body);
  if (result.success) throw new Error('expected the body to be refused');
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('validation messages as sentences for people', () => {
  it('an empty name is "fill it in", naming the form’s label, never zod’s "Too small"', () => {
    const [issue] = zodMessages({ departmentId: 'd1', patient: { name: '', phone: '98765 43210' } });
    expect(issue!.message).toMatch(/Too small/);
    expect(sentenceFor(issue!.path, issue!.message, fields, t)).toBe('required {"field":"Patient name"}');
  });

  it('a name over the limit says how many characters are allowed', () => {
    const [issue] = zodMessages({ departmentId: 'd1', patient: { name: 'x'.repeat(121), phone: '98765 43210' } });
    expect(sentenceFor(issue!.path, issue!.message, fields, t)).toBe('tooLong {"field":"Patient name","max":"120"}');
  });

  it('any phone complaint cites an example number of the clinic’s region', () => {
    for (const message of ['not a valid phone number', 'must be a phone number', 'Too small: expected string to have >=4 characters']) {
      expect(sentenceFor('patient.phone', message, fields, t), message).toBe('phone {"field":"Phone number","example":"081234 56789"}');
    }
    const noExample = { 'patient.phone': 'Phone number' };
    expect(sentenceFor('patient.phone', 'not a valid phone number', noExample, t)).toBe('phoneNoExample {"field":"Phone number"}');
  });

  it('a department that is not an id or does not exist is "choose one from the list"', () => {
    const [issue] = zodMessages({ departmentId: 'not an id!', patient: { name: 'A', phone: '98765 43210' } });
    expect(issue!.message).toBe('must be an id');
    expect(sentenceFor(issue!.path, issue!.message, fields, t)).toBe('choice {"field":"Department"}');
    expect(sentenceFor('departmentId', 'no such department', fields, t)).toBe('choice {"field":"Department"}');
  });

  it('a missing field reads as empty, an email as an email', () => {
    expect(sentenceFor('email', 'Invalid input: expected string, received undefined', fields, t)).toBe('required {"field":"Email"}');
    expect(sentenceFor('email', 'Invalid email address', fields, t)).toBe('email {"field":"Email"}');
  });

  it('a field the form does not name, or an unknown field, gets the generic sentence, not the path', () => {
    expect(sentenceFor('patient.language', 'Invalid option: expected one of "en"|"hi"|"ar"', fields, t)).toBe('generic {}');
    expect(sentenceFor('patient.name', 'unknown field', fields, t)).toBe('generic {}');
  });

  it('guesses the kind from the field’s name when the form gives only a label', () => {
    expect(sentenceFor('counterId', 'must be an id', { counterId: 'Counter' }, t)).toBe('choice {"field":"Counter"}');
    expect(sentenceFor('phone', 'not a valid phone number', { phone: 'Phone' }, t)).toBe('phoneNoExample {"field":"Phone"}');
  });
});
