import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { SecurityFeedService } from './security-feed.js';

/** Refusals that protect the server, by their problem code (a 401 for an expired session is not one). */
const BLOCKED_CODES = new Set(['FORBIDDEN', 'CSRF_FAILED', 'HOST_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE']);

/**
 * Feeds the security feed from every answer: a 429 is a rate-limit hit, a protective refusal
 * (wrong host, CSRF, a role or department refusal, an oversized body) is a blocked request.
 * Sign-in failures come from the security log, which knows a locked account from a wrong password.
 */
export const securityFeedPlugin = fp(
  async (app: FastifyInstance, opts: { feed: SecurityFeedService }) => {
    app.addHook('onResponse', async (request, reply) => {
      const status = reply.statusCode;
      if (status !== 429 && status !== 403 && status !== 400 && status !== 413) return;
      const route = request.routeOptions.url ?? 'no route';
      if (status === 429) {
        opts.feed.count({ kind: 'rate-limit', rule: request.problemCode ?? 'RATE_LIMITED', route, ip: request.ip });
      } else if (request.problemCode && BLOCKED_CODES.has(request.problemCode)) {
        opts.feed.count({ kind: 'blocked', rule: request.problemCode, route, ip: request.ip });
      }
    });
  },
  { name: 'security-feed', dependencies: ['error-handler'] },
);
