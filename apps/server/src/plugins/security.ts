import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Security headers. The CSP has no upgrade-insecure-requests (a TV board on plain http in the LAN
 * must still load), denies framing and base tags; API answers are never cached, public ones never referred.
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
      frameguard: { action: 'deny' },
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
    });
    app.addHook('onSend', async (request, reply) => {
      reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
      // Staff answers carry patient names and phone digits: no browser or proxy may keep a copy (ASVS 14.3.2).
      if (request.url.startsWith('/api/v1/')) reply.header('cache-control', 'no-store');
      if (request.url.startsWith('/api/v1/public/') || request.url.startsWith('/api/v1/auth/')) reply.header('referrer-policy', 'no-referrer');
    });
  },
  { name: 'security' },
);
