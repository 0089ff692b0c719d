import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

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
      parseJson(request, text, done);
    });
  },
  { name: 'body-parsing' },
);
