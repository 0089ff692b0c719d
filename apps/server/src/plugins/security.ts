import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** A year, with subdomains: what browsers' HSTS preload lists ask for. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/**
 * Security headers. The CSP has no upgrade-insecure-requests (a TV board on plain http in the LAN
 * must still load), denies framing and base tags; API answers are never cached, public ones never referred.
 * HSTS only when the clinic is reached over https (PUBLIC_URL): on a plain-http LAN it would do nothing
 * but, once a name were later served over TLS, lock browsers out of the plain one.
 */
/** No page of the clinic's uses the camera, microphone, location or payments: none may. */
export const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=()';

export const securityPlugin = fp(
  async (app: FastifyInstance, opts: { hsts: boolean }) => {
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
          // No inline event handlers (onclick=…) ever run, whatever reaches the page.
          'script-src-attr': ["'none'"],
          'connect-src': ["'self'"],
        },
      },
      frameguard: { action: 'deny' },
      strictTransportSecurity: opts.hsts ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true } : false,
      crossOriginEmbedderPolicy: false,
    });
    app.addHook('onSend', async (request, reply) => {
      reply.header('permissions-policy', PERMISSIONS_POLICY);
      // Staff answers carry patient names and phone digits: no browser or proxy may keep a copy (ASVS 14.3.2).
      if (request.url.startsWith('/api/v1/')) reply.header('cache-control', 'no-store');
      if (request.url.startsWith('/api/v1/public/') || request.url.startsWith('/api/v1/auth/')) reply.header('referrer-policy', 'no-referrer');
    });
  },
  { name: 'security' },
);
