import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  checkInBodySchema,
  checkInResponseSchema,
  displayQuerySchema,
  displaySchema,
  problemSchema,
  publicStatusSchema,
  statusKeyParamsSchema,
  statusLookupBodySchema,
} from '@smart-token/contracts';
import { perMinute } from '../../plugins/rate-limit.js';
import { idempotencyFrom } from '../idempotency/idempotency-header.js';
import type { QueueService } from '../queue/queue.service.js';
import type { PublicService } from './public.service.js';

/** Per-address limits: generous, since a waiting room shares one address behind the hospital's NAT. */
const LIMITS = { status: 60, checkIn: 10, display: 120 } as const;

export const publicRoutes: FastifyPluginAsyncZod<{ publicService: PublicService; queue: QueueService; rateLimitMultiplier: number }> = async (app, opts) => {
  const { publicService, queue, rateLimitMultiplier: m } = opts;
  const errors = { 400: problemSchema, 404: problemSchema, 429: problemSchema };

  app.post(
    '/status',
    {
      config: { public: true, rateLimit: perMinute(LIMITS.status, m) },
      schema: { tags: ['public'], summary: 'A patient’s status by token number and the last 4 phone digits', body: statusLookupBodySchema, response: { 200: publicStatusSchema, ...errors } },
    },
    async (request) => publicService.lookup(request.body.token, request.body.phoneLast4),
  );

  app.get(
    '/status/:statusKey',
    {
      config: { public: true, rateLimit: perMinute(LIMITS.status, m) },
      schema: { tags: ['public'], summary: 'A patient’s status by the key on the ticket’s QR code', params: statusKeyParamsSchema, response: { 200: publicStatusSchema, ...errors } },
    },
    async (request) => publicService.byKey(request.params.statusKey),
  );

  app.post(
    '/check-in',
    {
      config: { public: true, rateLimit: perMinute(LIMITS.checkIn, m) },
      schema: {
        tags: ['public'],
        summary: 'Self check-in where the department allows it (honours Idempotency-Key)',
        body: checkInBodySchema,
        response: { 201: checkInResponseSchema, ...errors, 403: problemSchema, 422: problemSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await publicService.checkIn(request.body, idempotencyFrom(request, 'public'))),
  );

  app.get(
    '/display',
    {
      config: { public: true, rateLimit: perMinute(LIMITS.display, m) },
      schema: { tags: ['public'], summary: 'What a waiting-room board shows: numbers and counters only', querystring: displayQuerySchema, response: { 200: displaySchema, ...errors } },
    },
    async (request) => queue.display(request.query.departmentId),
  );
};
