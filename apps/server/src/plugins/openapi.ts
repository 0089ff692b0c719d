import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** OpenAPI 3 generated from the routes' zod schemas: /api/openapi.json, browsable at /api/docs. */
export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'Smart Token API', version: '1.0.0', description: 'Patient queue and token system. Errors are RFC 9457 problem+json.' },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
            cookie: { type: 'apiKey', in: 'cookie', name: 'st_access' },
          },
        },
      },
      transform: jsonSchemaTransform,
    });
    await app.register(swaggerUi, {
      routePrefix: '/api/docs',
      // The docs page has its own policy; the app's strict one stays on every other page. Swagger UI
      // (React) sets style attributes as it draws, which needs 'unsafe-inline' for styles (never for
      // scripts). No upgrade-insecure-requests: a clinic's plain-http LAN would get a blank page. No
      // validator badge (off by default), so no image from validator.swagger.io.
      staticCSP: {
        'default-src': ["'self'"],
        'base-uri': ["'none'"],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
      },
    });
    app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
