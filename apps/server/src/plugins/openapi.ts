import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { accessOf } from '../modules/role-matrix.js';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/**
 * The zod schemas as JSON Schema, and who may call each operation from the role matrix: an
 * `x-roles` list (empty for a public operation, with `x-public: true`) and a "Roles: …" line in
 * its description, so the published document prints the table the server enforces.
 */
function withRoles(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const out = jsonSchemaTransform(input);
  const method = String([input.route.method].flat()[0]);
  const access = accessOf(method, input.url);
  if (!access) return out;
  const schema = out.schema as Record<string, unknown>;
  const line = access.public ? 'Roles: public (no sign-in).' : `Roles: ${access.roles.join(', ')}.`;
  const description = typeof schema.description === 'string' ? `${schema.description}\n\n${line}` : line;
  const documented: Record<string, unknown> = { ...schema, description, 'x-roles': access.public ? [] : [...access.roles], ...(access.public && { 'x-public': true }) };
  return { ...out, schema: documented };
}

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
      transform: withRoles,
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
