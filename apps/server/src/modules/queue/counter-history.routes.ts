import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParamsSchema, lastActionResponseSchema, problemSchema, recentlyServedResponseSchema } from '@smart-token/contracts';
import { requirePrincipal } from '../auth/auth.plugin.js';
import type { CounterHistory } from './counter-history.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

/** A counter's own history for its console: what undo would reverse, and whom it finished lately. */
export const counterHistoryRoutes: FastifyPluginAsyncZod<{ history: CounterHistory }> = async (app, { history }) => {
  app.get(
    '/counters/:id/last-action',
    {
      schema: {
        tags: ['queue'],
        summary: 'The counter’s latest change that undo can still reverse (from the tokens’ history), or null',
        params: idParamsSchema,
        response: { 200: lastActionResponseSchema, ...errors },
      },
    },
    async (request) => history.lastAction(request.params.id, requirePrincipal(request)),
  );

  app.get(
    '/counters/:id/recent',
    {
      config: { recordAccess: 'patient.history.viewed' },
      schema: {
        tags: ['queue'],
        summary: 'Patients the counter finished lately (completed, sent on, parked, transferred, no-show), latest first',
        params: idParamsSchema,
        response: { 200: recentlyServedResponseSchema, ...errors },
      },
    },
    async (request) => history.recentlyServed(request.params.id, requirePrincipal(request)),
  );
};
