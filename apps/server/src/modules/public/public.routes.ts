import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  checkInBodySchema,
  checkInResponseSchema,
  displayQuerySchema,
  displaySchema,
  idSchema,
  joinPageSchema,
  problemSchema,
  publicStatusSchema,
  statusKeyParamsSchema,
  statusLookupBodySchema,
} from '@smart-token/contracts';
import { perMinute } from '../../plugins/rate-limit.js';
import { idempotencyFrom } from '../idempotency/idempotency-header.js';
import type { QueueService } from '../queue/queue.service.js';
import type { PublicService } from './public.service.js';

const joinParamsSchema = z.strictObject({ departmentId: idSchema });

const DISPLAY_PER_MINUTE = 120;

export interface PublicRoutesOptions {
  publicService: PublicService;
  queue: QueueService;
  rateLimitMultiplier: number;
  /** Per minute, per address and target (the token, the phone), before the multiplier: config.routeRateLimits. */
  limits: { status: number; checkIn: number };
}

export const publicRoutes: FastifyPluginAsyncZod<PublicRoutesOptions> = async (app, opts) => {
  const { publicService, queue, rateLimitMultiplier: m } = opts;
  const LIMITS = { ...opts.limits, display: DISPLAY_PER_MINUTE };
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
      // A kiosk sends its device key (or session); a phone sends the join code. Both may come.
      config: { public: true, optionalAuth: true, rateLimit: perMinute(LIMITS.checkIn, m) },
      schema: {
        tags: ['public'],
        summary: 'Self check-in where the department allows it: `kiosk` with a kiosk key of the department, `phone` with the join code (honours Idempotency-Key)',
        body: checkInBodySchema,
        response: { 201: checkInResponseSchema, ...errors, 403: problemSchema, 422: problemSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await publicService.checkIn(request.body, idempotencyFrom(request, 'public'), request.principal)),
  );

  app.get(
    '/join/:departmentId',
    {
      config: { public: true, rateLimit: perMinute(LIMITS.status, m) },
      schema: { tags: ['public'], summary: 'The phone join page’s department (404 unless it takes check-in by phone)', params: joinParamsSchema, response: { 200: joinPageSchema, ...errors } },
    },
    async (request) => publicService.joinPage(request.params.departmentId),
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
