import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_LOGO_DATA_URL_LENGTH, accessSettingsSchema, brandingBodySchema, brandingSchema, logoQuerySchema, problemSchema, publicBrandingSchema, statusAddressSchema } from '@smart-token/contracts';
import { NotFoundError } from '../../errors.js';
import { perMinute } from '../../plugins/rate-limit.js';
import type { SettingsService } from './settings.service.js';
import { auditBy } from '../auth/auth.plugin.js';

/** The branding body carries the logo: room for it and the name, far under what would strain anything. */
const BRANDING_BODY_LIMIT_BYTES = MAX_LOGO_DATA_URL_LENGTH + 4096;
/** Every board, kiosk and patient's phone reads the branding when it opens; a waiting room shares one address. */
const PUBLIC_BRANDING_PER_MINUTE = 600;
/** A versioned logo URL never changes its bytes: caches may keep it for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export const settingsRoutes: FastifyPluginAsyncZod<{ settings: SettingsService }> = async (app, { settings }) => {
  app.get(
    '/settings/branding',
    { schema: { tags: ['settings'], summary: 'The clinic’s name and logo, as the admin set them', response: { 200: brandingSchema } } },
    async () => settings.branding(),
  );

  app.put(
    '/settings/branding',
    {
      bodyLimit: BRANDING_BODY_LIMIT_BYTES,
      schema: {
        tags: ['settings'],
        summary: 'Set the clinic’s name and logo (PNG, JPEG or WebP data URL up to 96 KB, or null); shown on the board, kiosk, ticket and status page',
        body: brandingBodySchema,
        response: { 200: brandingSchema, 400: problemSchema },
      },
    },
    async (request) => settings.setBranding(request.body, auditBy(request)),
  );

  app.get(
    '/settings/status-address',
    {
      schema: { tags: ['settings'], summary: 'The status address phones are given (QR codes, SMS) and whether a phone can reach it', response: { 200: statusAddressSchema } },
    },
    async () => settings.statusAddress(),
  );

  app.get(
    '/settings/access',
    { schema: { tags: ['settings'], summary: 'Who works where: whether receptionists act in every department or only in their own', response: { 200: accessSettingsSchema } } },
    async () => settings.access(),
  );

  app.put(
    '/settings/access',
    {
      schema: {
        tags: ['settings'],
        summary: 'Let receptionists act in every department (the default) or only in those assigned to them; effective from their next request',
        body: accessSettingsSchema,
        response: { 200: accessSettingsSchema, 400: problemSchema },
      },
    },
    async (request) => settings.setAccess(request.body, auditBy(request)),
  );
};

export const publicBrandingRoutes: FastifyPluginAsyncZod<{ settings: SettingsService; rateLimitMultiplier: number }> = async (app, { settings, rateLimitMultiplier }) => {
  const rateLimit = perMinute(PUBLIC_BRANDING_PER_MINUTE, rateLimitMultiplier);

  app.get(
    '/branding',
    {
      config: { public: true, rateLimit },
      schema: { tags: ['public'], summary: 'The clinic’s name, logo address and the status address, for every screen', response: { 200: publicBrandingSchema, 429: problemSchema } },
    },
    async () => settings.publicBranding(),
  );

  app.get(
    '/branding/logo',
    {
      config: { public: true, rateLimit },
      // Runs after the security plugin's onSend, which marks every API answer no-store: a logo is no
      // patient's data, and every board, kiosk and phone would otherwise fetch it again on each load.
      onSend: async (_request, reply) => {
        const cacheControl = reply.getHeader('x-logo-cache-control');
        if (typeof cacheControl === 'string') reply.header('cache-control', cacheControl).removeHeader('x-logo-cache-control');
      },
      schema: {
        tags: ['public'],
        summary: 'The clinic’s logo picture (404 when none is set)',
        querystring: logoQuerySchema,
        response: { 200: z.any().describe('image/png, image/jpeg or image/webp'), 304: z.null().describe('not modified'), 404: problemSchema, 429: problemSchema },
      },
    },
    async (request, reply) => {
      const logo = await settings.logo();
      if (!logo) throw new NotFoundError('The clinic has no logo.');
      const etag = `"${logo.version}"`;
      // The address names the picture's version: one asking for this version may keep it; any other revalidates.
      reply.header('x-logo-cache-control', request.query.v === logo.version ? IMMUTABLE : 'no-cache').header('etag', etag);
      if (request.headers['if-none-match'] === etag) return reply.status(304).send(null);
      return reply.type(logo.type).header('content-security-policy', "default-src 'none'").send(logo.bytes);
    },
  );
};
