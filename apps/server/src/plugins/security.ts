import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Security headers. The CSP has no upgrade-insecure-requests (a TV board on plain http in the LAN
 * must still load), denies framing and base tags, and public answers are never cached or referred.
 */
export const securityPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'base-uri': ["'none'"],
          'frame-ancestors': ["'none'"],
          'object-src': ["'none'"],
          'form-action': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'style-src': ["'self'", "'unsafe-inline'"],
          'script-src': ["'self'"],
          'connect-src': ["'self'"],
        },
      },
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
    });
    app.addHook('onSend', async (request, reply) => {
      reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
      if (request.url.startsWith('/api/v1/public/') || request.url.startsWith('/api/v1/auth/')) {
        reply.header('cache-control', 'no-store');
        reply.header('referrer-policy', 'no-referrer');
      }
    });
  },
  { name: 'security' },
);
