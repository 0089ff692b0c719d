import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, ValidationError } from '../errors.js';

const NUL = '\u0000';
/** No request of this API nests deeper than a few levels; 20 leaves room and stops stack-hungry bodies. */
export const MAX_JSON_DEPTH = 20;
/** Keys and array items in one body, all levels together: a form has dozens, an attack has millions. */
export const MAX_JSON_ENTRIES = 2000;

/**
 * Half of a surrogate pair on its own (`"\ud800"` escaped in valid UTF-8 JSON): no character at all,
 * stored as U+FFFD by PostgreSQL and as three bytes by SQLite, so it is refused like a NUL.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The first thing wrong with a parsed body, as a field error, or undefined: a string (key or value)
 * holding a NUL character (no text field has a use for one, and PostgreSQL refuses it in text
 * columns: a 500 instead of a 400), nesting deeper than MAX_JSON_DEPTH, or more than
 * MAX_JSON_ENTRIES keys and items. Walks with its own stack: a deep body cannot overflow the call stack.
 */
export function bodyProblem(value: unknown): { path: string; message: string; sentence: string } | undefined {
  const named = (path: string) => (path === 'body' ? 'The body' : `The field “${path.replace(/^body\./, '')}”`);
  const stack: [unknown, string, number][] = [[value, 'body', 0]];
  let entries = 0;
  while (stack.length > 0) {
    const [current, path, depth] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes(NUL)) return { path, message: 'must not contain a NUL character', sentence: `${named(path)} must not contain a NUL character.` };
      if (LONE_SURROGATE.test(current)) return { path, message: 'must be valid Unicode text', sentence: `${named(path)} holds a broken character (a lone \\u surrogate escape); send valid Unicode text.` };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_JSON_DEPTH) return { path, message: `nested deeper than ${MAX_JSON_DEPTH} levels`, sentence: `The body is nested deeper than ${MAX_JSON_DEPTH} levels (at “${path.slice(0, 80)}…”).` };
    const children = Array.isArray(current) ? current.map((item, index) => [String(index), item] as const) : Object.entries(current);
    entries += children.length;
    if (entries > MAX_JSON_ENTRIES) return { path: 'body', message: `more than ${MAX_JSON_ENTRIES} fields and items`, sentence: `The body has more than ${MAX_JSON_ENTRIES} fields and items.` };
    for (const [key, item] of children) {
      if (key.includes(NUL)) return { path, message: 'must not contain a NUL character', sentence: `${named(path)} has a key with a NUL character.` };
      if (LONE_SURROGATE.test(key)) return { path, message: 'must be valid Unicode text', sentence: `${named(path)} has a key with a broken character.` };
      stack.push([item, `${path}.${key}`, depth + 1]);
    }
  }
  return undefined;
}

/** JSON is UTF-8 (RFC 8259 §8.1): a body that says it is something else is refused, not misread. */
export class UnsupportedCharsetError extends AppError {
  constructor(charset: string) {
    super('UNSUPPORTED_MEDIA_TYPE', 415, `The body says charset=${charset.slice(0, 40)}; send JSON encoded as UTF-8 (content-type: application/json; charset=utf-8).`);
  }
}

/** The charset a content-type header declares, lower-cased, or undefined when it declares none. */
export function declaredCharset(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  return match ? match[1]!.toLowerCase() : undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON only: the default text/plain parser goes (a text body is a 415), and an empty JSON body on
 * an action route (call-next, recall…) reads as "no body" instead of an error. The bytes must be
 * UTF-8 as declared: invalid sequences are a 400, not text silently changed to U+FFFD (a name
 * stored other than as typed), and a declared utf-16 or latin1 is a 415.
 */
export const bodyParsingPlugin = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const charset = declaredCharset(request.headers['content-type']);
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        done(new UnsupportedCharsetError(charset), undefined);
        return;
      }
      let text: string;
      try {
        text = typeof body === 'string' ? body : strictUtf8.decode(body);
      } catch {
        done(new ValidationError('The body is not valid UTF-8; send the JSON encoded as UTF-8.', [{ path: 'body', message: 'invalid UTF-8 byte sequence' }]), undefined);
        return;
      }
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      void parseJson(request, text, (error, parsed) => {
        if (error) {
          done(error, undefined);
          return;
        }
        const problem = bodyProblem(parsed);
        if (problem !== undefined) {
          done(new ValidationError(problem.sentence, [{ path: problem.path, message: problem.message }]), undefined);
          return;
        }
        done(null, parsed);
      });
    });
  },
  { name: 'body-parsing' },
);
