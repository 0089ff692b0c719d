import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  callNextResponseSchema,
  callTokenBodySchema,
  cancelBodySchema,
  completeAndCallNextResponseSchema,
  completeBodySchema,
  emptyBodySchema,
  idParamsSchema,
  issueTokenBodySchema,
  problemSchema,
  queueQuerySchema,
  queueSchema,
  tokenEnvelopeSchema,
  tokenSchema,
  tokenWithHistorySchema,
  transferBodySchema,
} from '@smart-token/contracts';
import type { FastifyRequest } from 'fastify';
import { requirePrincipal } from '../auth/auth.plugin.js';
import { idempotencyFrom } from '../idempotency/idempotency-header.js';
import type { Actor, QueueService } from './queue.service.js';

/** The signed-in person as the queue records them: in the token's history by name, in the audit trail by account and request. */
export const actorOf = (request: FastifyRequest): Actor => {
  const p = requirePrincipal(request);
  return { id: p.userId, label: p.name, ...(p.departmentIds && { departmentIds: p.departmentIds }), request: { ip: request.ip, requestId: request.id, email: p.email } };
};

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema };

export const queueRoutes: FastifyPluginAsyncZod<{ queue: QueueService }> = async (app, { queue }) => {
  app.post(
    '/tokens',
    {
      schema: {
        tags: ['queue'],
        summary: 'Issue a token: the patient joins the department’s line (honours Idempotency-Key)',
        body: issueTokenBodySchema,
        response: { 201: tokenSchema, ...errors, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      return reply.status(201).send(await queue.issue(actor, request.body, idempotencyFrom(request, `user:${actor.id}`)));
    },
  );

  app.get(
    '/tokens/:id',
    { config: { recordAccess: 'patient.record.viewed' }, schema: { tags: ['queue'], summary: 'A token with its history', params: idParamsSchema, response: { 200: tokenWithHistorySchema, ...errors } } },
    async (request) => queue.getToken(request.params.id, requirePrincipal(request)),
  );

  app.get(
    '/departments/:id/queue',
    {
      config: { recordAccess: 'patient.list.viewed' },
      schema: { tags: ['queue'], summary: 'The department’s line, waiting tokens in call order with the reason', params: idParamsSchema, querystring: queueQuerySchema, response: { 200: queueSchema, ...errors } },
    },
    async (request) => queue.getQueue(request.params.id, request.query.limit, requirePrincipal(request)),
  );

  app.post(
    '/counters/:id/call-next',
    {
      schema: {
        tags: ['queue'],
        summary: 'Call the next token to this counter, or { token: null } when nobody waits (honours Idempotency-Key)',
        params: idParamsSchema,
        body: emptyBodySchema,
        response: { 200: callNextResponseSchema, ...errors, 422: problemSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return queue.callNext(actor, request.params.id, idempotencyFrom(request, `user:${actor.id}`));
    },
  );

  app.post(
    '/counters/:id/complete-and-call-next',
    {
      schema: {
        tags: ['queue'],
        summary: 'Complete (or send on) the counter’s current patient and call the next, in one step (honours Idempotency-Key)',
        params: idParamsSchema,
        body: completeBodySchema,
        response: { 200: completeAndCallNextResponseSchema, ...errors, 422: problemSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return queue.completeAndCallNext(actor, request.params.id, request.body?.nextDepartmentId, idempotencyFrom(request, `user:${actor.id}`));
    },
  );

  app.post(
    '/tokens/:id/call',
    {
      schema: { tags: ['queue'], summary: 'Call this waiting token to a counter', params: idParamsSchema, body: callTokenBodySchema, response: { 200: tokenEnvelopeSchema, ...errors } },
    },
    async (request) => ({ token: await queue.callToken(actorOf(request), request.params.id, request.body.counterId) }),
  );

  const simpleActions = [
    ['recall', 'Call the token again (past maxRecalls it becomes no_show)', queue.recall],
    ['start', 'Start serving the called token', queue.start],
    ['park', 'Park the token: back in the line after parkReturnAfter calls', queue.park],
    ['no-show', 'The called patient did not come', queue.noShow],
    ['undo', 'Reverse the token’s last transition', queue.undo],
  ] as const;
  for (const [path, summary, action] of simpleActions) {
    app.post(
      `/tokens/:id/${path}`,
      { schema: { tags: ['queue'], summary, params: idParamsSchema, body: emptyBodySchema, response: { 200: tokenEnvelopeSchema, ...errors } } },
      async (request) => ({ token: await action(actorOf(request), request.params.id) }),
    );
  }

  app.post(
    '/tokens/:id/cancel',
    {
      schema: {
        tags: ['queue'],
        summary: 'Cancel the token; an optional reason is kept in its history',
        params: idParamsSchema,
        body: cancelBodySchema,
        response: { 200: tokenEnvelopeSchema, ...errors },
      },
    },
    async (request) => ({ token: await queue.cancel(actorOf(request), request.params.id, request.body?.reason) }),
  );

  app.post(
    '/tokens/:id/complete',
    {
      schema: {
        tags: ['queue'],
        summary: 'Complete the visit here, or send the token on to another department with the same number (honours Idempotency-Key)',
        params: idParamsSchema,
        body: completeBodySchema,
        response: { 200: tokenEnvelopeSchema, ...errors, 422: problemSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { token: await queue.complete(actor, request.params.id, request.body?.nextDepartmentId, idempotencyFrom(request, `user:${actor.id}`)) };
    },
  );

  app.post(
    '/tokens/:id/transfer',
    {
      schema: { tags: ['queue'], summary: 'Move the token to another department’s line, same number', params: idParamsSchema, body: transferBodySchema, response: { 200: tokenEnvelopeSchema, ...errors } },
    },
    async (request) => ({ token: await queue.transfer(actorOf(request), request.params.id, request.body.departmentId) }),
  );
};
