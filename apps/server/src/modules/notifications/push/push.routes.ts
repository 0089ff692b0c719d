import { problemSchema, pushKeySchema, pushOfferSchema, statusKeyParamsSchema, pushSubscribeBodySchema, pushSubscribedSchema, type TokenStatus } from '@smart-token/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError, ConflictError, NotFoundError } from '../../../errors.js';
import { perMinute } from '../../../plugins/rate-limit.js';
import type { PushChannel } from './push-sender.js';

/** Per minute and address, before RATE_LIMIT_MULTIPLIER: a page asks for the key and subscribes once or twice. */
const PUSH_PER_MINUTE = 30;
/** A visit in one of these has nothing more to be told about. */
const FINISHED: ReadonlySet<TokenStatus> = new Set(['completed', 'no_show', 'cancelled']);

export interface PushRoutesOptions {
  push: Pick<PushChannel, 'publicKey' | 'subscribe'>;
  /** The visit behind a status key (the queue's), or undefined when no visit has it. */
  tokenOfStatusKey: (statusKey: string) => Promise<{ id: string; status: TokenStatus; departmentId: string } | undefined>;
  /** Whether the department sends browser notifications (its admin may switch them off). */
  pushOffered: (departmentId: string) => Promise<boolean>;
  /** After a subscription is kept: whatever makes the visit's changes write 'push' messages (the status key builds its link). */
  onSubscribed?: (tokenId: string, statusKey: string) => Promise<void>;
  rateLimitMultiplier: number;
  perMinute?: number;
}

/** Web Push from the patient status page: the server's key, and a browser subscribing to its visit. */
export const pushRoutes: FastifyPluginAsyncZod<PushRoutesOptions> = async (app, opts) => {
  const rateLimit = perMinute(opts.perMinute ?? PUSH_PER_MINUTE, opts.rateLimitMultiplier);
  const errors = { 400: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema, 429: problemSchema };
  /** The visit behind a status key; 404 when none has it. */
  const visitOf = async (statusKey: string) => {
    const token = await opts.tokenOfStatusKey(statusKey);
    if (!token) throw new NotFoundError('No visit has this status link: it may have been replaced at the reception desk.');
    return token;
  };

  app.get(
    '/push/key',
    {
      config: { public: true, rateLimit },
      schema: { tags: ['public'], summary: 'The VAPID public key a browser subscribes to push notifications with', response: { 200: pushKeySchema, 429: problemSchema } },
    },
    async () => ({ publicKey: await opts.push.publicKey() }),
  );

  app.get(
    '/push/offer/:statusKey',
    {
      config: { public: true, rateLimit },
      schema: {
        tags: ['public'],
        summary: 'Whether the status page offers browser notifications for the visit of this status key (its department sends them and the visit has not ended); 404 when no visit has it',
        params: statusKeyParamsSchema,
        response: { 200: pushOfferSchema, 400: problemSchema, 404: problemSchema, 429: problemSchema },
      },
    },
    async (request) => {
      const token = await visitOf(request.params.statusKey);
      return { offered: !FINISHED.has(token.status) && (await opts.pushOffered(token.departmentId)) };
    },
  );

  app.post(
    '/push/subscribe',
    {
      config: { public: true, rateLimit },
      schema: {
        tags: ['public'],
        summary: 'Notify this browser about the visit of the status key (403 PUSH_DISABLED when its department sends no browser notifications, 409 when the visit has ended); the same browser again renews its subscription',
        body: pushSubscribeBodySchema,
        response: { 201: pushSubscribedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const token = await visitOf(request.body.statusKey);
      if (FINISHED.has(token.status)) throw new ConflictError('This visit has ended: there is nothing more to notify about it.');
      if (!(await opts.pushOffered(token.departmentId))) throw new AppError('PUSH_DISABLED', 403, 'This department does not send browser notifications; ask at the reception desk for a text message instead.');
      await opts.push.subscribe(token.id, request.body.subscription);
      await opts.onSubscribed?.(token.id, request.body.statusKey);
      return reply.status(201).send({ subscribed: true as const });
    },
  );
};
