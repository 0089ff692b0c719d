import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ValidationError } from '../errors.js';

const NUL = '\u0000';

/**
 * The path (`body.patient.name`) of the first string, key or value, that holds a NUL character, or
 * undefined. No text field has a use for one, and PostgreSQL refuses it in text columns (a 500
 * instead of a 400). Walks with its own stack: a deeply nested body cannot overflow the call stack.
 */
export function pathOfNul(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, 'body']];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes(NUL)) return path;
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => stack.push([item, `${path}.${index}`]));
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, item] of Object.entries(current)) {
        if (key.includes(NUL)) return path;
        stack.push([item, `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

/**
 * JSON only: the default text/plain parser goes (a text body is a 415), and an empty JSON body on
 * an action route (call-next, recall…) reads as "no body" instead of an error.
 */
export const bodyParsingPlugin = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      void parseJson(request, text, (error, parsed) => {
        if (error) {
          done(error, undefined);
          return;
        }
        const nul = pathOfNul(parsed);
        if (nul !== undefined) {
          done(new ValidationError(`${nul}: must not contain a NUL character.`, [{ path: nul, message: 'must not contain a NUL character' }]), undefined);
          return;
        }
        done(null, parsed);
      });
    });
  },
  { name: 'body-parsing' },
);
