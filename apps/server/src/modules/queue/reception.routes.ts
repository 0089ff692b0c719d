import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { emptyBodySchema, idParamsSchema, problemSchema, reprintResponseSchema, tokenSearchBodySchema, tokenSearchResponseSchema } from '@smart-token/contracts';
import { requirePrincipal } from '../auth/auth.plugin.js';
import { actorOf } from './queue.routes.js';
import type { ReceptionService } from './reception.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema };

/** Reception mends today's tokens: find (the query travels in the body: it may hold phone digits), reprint. */
export const receptionRoutes: FastifyPluginAsyncZod<{ reception: ReceptionService }> = async (app, { reception }) => {
  app.post(
    '/tokens/search',
    {
      config: { recordAccess: 'patient.search' },
      schema: {
        tags: ['queue'],
        summary: 'Today’s tokens by number, phone (whole, or its last 4 digits) or name, newest first',
        body: tokenSearchBodySchema,
        response: { 200: tokenSearchResponseSchema, ...errors },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      // Reception and admins see every patient; others only those of their departments.
      const viewer = { seesEveryPatient: p.role === 'admin' || p.role === 'receptionist', ...(p.departmentIds && { departmentIds: p.departmentIds }) };
      return { tokens: await reception.search(request.body.query, viewer) };
    },
  );

  app.post(
    '/tokens/:id/reprint',
    {
      schema: {
        tags: ['queue'],
        summary: 'A new ticket for a token still in a line: a new status key and link (the old key stops working), recorded in the history',
        params: idParamsSchema,
        body: emptyBodySchema,
        response: { 200: reprintResponseSchema, ...errors },
      },
    },
    async (request) => {
      return reception.reprint(actorOf(request), request.params.id);
    },
  );
};
