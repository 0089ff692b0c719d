import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemSchema } from '@smart-token/contracts';
import { ping, type Database } from '../../db/database.js';
import { AppError } from '../../errors.js';

const okSchema = z.object({ status: z.literal('ok') });

/** Liveness and readiness: the app is built only after migrations, so both check the database answers. */
export const healthRoutes: FastifyPluginAsyncZod<{ database: Database }> = async (app, { database }) => {
  const check = async () => {
    try {
      await ping(database.db);
    } catch {
      throw new AppError('INTERNAL', 503, 'The database does not answer.');
    }
    return { status: 'ok' as const };
  };
  const schema = { tags: ['operations'], response: { 200: okSchema, 503: problemSchema } };
  app.get('/healthz', { config: { public: true }, schema: { ...schema, summary: 'The server and its database answer' } }, check);
  app.get('/readyz', { config: { public: true }, schema: { ...schema, summary: 'Migrated and ready for traffic' } }, check);
};
