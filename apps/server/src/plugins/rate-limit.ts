import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../errors.js';

/**
 * Per-route limits (each route names its own in config.rateLimit), keyed by client address, shared
 * through Redis when it is configured. Fixed windows: a burst at a window's edge can reach twice the
 * limit, which these limits allow for.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: { redis: Redis | undefined }) => {
    await app.register(rateLimit, {
      global: false,
      // Redis down: let requests through rather than fail them; the failure lockouts live in the database.
      skipOnError: true,
      ...(opts.redis && { redis: opts.redis, nameSpace: 'smart-token:rl:' }),
      errorResponseBuilder: (_request, context) =>
        new RateLimitedError('Too many requests; wait a moment and try again.', Math.ceil(context.ttl / 1000)),
    });
  },
  { name: 'rate-limit' },
);

/** A per-minute limit scaled by RATE_LIMIT_MULTIPLIER (load tests raise it; lockouts ignore it). */
export function perMinute(max: number, multiplier: number) {
  return { max: Math.max(1, Math.round(max * multiplier)), timeWindow: 60_000 };
}
