import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../errors.js';
import { sha256 } from '../lib/ids.js';
import { fallbackStore } from './rate-limit-store.js';

/** Requests a minute, before RATE_LIMIT_MULTIPLIER, for routes that name no limit of their own. */
export interface DefaultLimits {
  /** Per address and target: a waiting room shares one address. */
  anonymous: number;
  /** Per signed-in person or device, wherever they sign in from (a ward shares one address too). */
  staff: number;
}

/** Where the default limit does not apply: the web app's files and pages, and health checks. */
const UNLIMITED = /^\/(?!api\/)|^\/healthz$|^\/readyz$/;

/**
 * What a request is about, as far as a limit cares: the token, account, phone or key it names.
 * A limit keyed by address and target lets a hundred patients behind one hospital NAT look up a
 * hundred tokens, while one guesser hammering one token is stopped; the failure lockouts (per token
 * number, per account, whatever the address) stop a guesser who rotates addresses.
 */
export function targetOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  const body = request.body as Record<string, unknown> | undefined;
  for (const value of [params?.statusKey, body?.token, body?.email, body?.phone, body?.pairingCode]) {
    // Hashed: a status key, pairing code or phone number must not sit in Redis (or memory) as a counter's name.
    if (typeof value === 'string' && value.length > 0) return sha256(value.trim().toLowerCase()).slice(0, 32);
  }
  return undefined;
}

/** The rate-limit key: who asks (the person or device when signed in, else the address), and what about. */
export function rateLimitKey(request: FastifyRequest): string {
  const who = request.principal ? `p:${request.principal.userId}` : `ip:${request.ip}`;
  const target = targetOf(request);
  return target === undefined ? who : `${who}|${target}`;
}

/**
 * Limits on every API route: each route may name its own (config.rateLimit), the rest get the
 * defaults for anonymous callers and for staff. Checked after authentication (preHandler), so a
 * signed-in person is counted as themselves, and after the body is read, so the key can name its
 * target. Counted in Redis when it is configured (every instance shares one budget) and in memory
 * while Redis is away: limits keep holding and requests never wait on it. 429 problem+json with
 * Retry-After; X-RateLimit-Limit/Remaining/Reset on limited routes.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: { redis: Redis | undefined; multiplier: number; defaults: DefaultLimits }) => {
    const anonymous = Math.max(1, Math.round(opts.defaults.anonymous * opts.multiplier));
    const staff = Math.max(1, Math.round(opts.defaults.staff * opts.multiplier));
    const onSwitch = (usingRedis: boolean, error?: unknown) => {
      if (usingRedis) app.log.info('rate limits: counting in Redis again, shared by every instance');
      else app.log.warn({ err: error }, 'rate limits: Redis is not answering; counting in this instance’s memory until it is back');
    };
    await app.register(rateLimit, {
      global: true,
      hook: 'preHandler',
      timeWindow: 60_000,
      max: (request) => (request.principal ? staff : anonymous),
      keyGenerator: rateLimitKey,
      allowList: (request) => UNLIMITED.test(request.url),
      ...(opts.redis && { store: fallbackStore(opts.redis, 'smart-token:rl:', onSwitch) }),
      errorResponseBuilder: (_request, context) => new RateLimitedError('Too many requests; wait a moment and try again.', Math.ceil(context.ttl / 1000)),
    });
  },
  { name: 'rate-limit' },
);

/** A per-minute limit scaled by RATE_LIMIT_MULTIPLIER (load tests raise it; lockouts ignore it). */
export function perMinute(max: number, multiplier: number) {
  return { max: Math.max(1, Math.round(max * multiplier)), timeWindow: 60_000 };
}
