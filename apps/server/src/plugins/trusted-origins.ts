import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hostnameOf } from '../config.js';
import { AppError } from '../errors.js';

export class UntrustedHostError extends AppError {
  constructor() {
    super('HOST_NOT_ALLOWED', 400, 'This server does not answer to that host name; use the clinic’s address.', [{ path: 'headers.host', message: 'not an allowed host' }]);
  }
}

/**
 * Where requests may come from and be addressed to:
 * - the Host header must name one of the allowed hosts (when a list is set), before anything else
 *   runs: a page served under a rebound DNS name, or a link built from a forged Host, gets nothing;
 * - other sites' pages may call the API only from an exact allow-listed origin, with credentials;
 *   any other origin gets no CORS headers at all, so the browser keeps the answer from it.
 */
export const trustedOriginsPlugin = fp(
  async (app: FastifyInstance, opts: { allowedHosts: readonly string[]; corsOrigins: readonly string[] }) => {
    const hosts = new Set(opts.allowedHosts);
    if (hosts.size > 0) {
      app.addHook('onRequest', async (request) => {
        const host = request.headers.host;
        if (typeof host !== 'string' || !hosts.has(hostnameOf(host))) throw new UntrustedHostError();
      });
    }
    const origins = new Set(opts.corsOrigins);
    await app.register(cors, {
      origin: (origin, callback) => callback(null, origin !== undefined && origins.has(origin)),
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-csrf-token', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      maxAge: 600,
      strictPreflight: true,
    });
  },
  { name: 'trusted-origins' },
);
