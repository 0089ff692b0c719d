import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createDeviceBodySchema, createdDeviceSchema, deviceSchema, emptyBodySchema, idParamsSchema, pairDeviceBodySchema, pairedDeviceSchema, pairingCodeSchema, problemSchema } from '@smart-token/contracts';
import { requestContext, requirePrincipal } from '../auth/auth.plugin.js';
import { cookiesFor } from '../auth/cookies.js';
import { perMinute } from '../../plugins/rate-limit.js';
import { ADMIN_ONLY } from '../roles.js';
import type { DevicesService } from './devices.service.js';

/** As sign-in: pairing is a credential check. */
const PAIR_PER_MINUTE = 10;
/** Browsers keep a cookie at most 400 days; the screen's cookie is renewed whenever it asks who it is. */
const SCREEN_COOKIE_MAX_AGE_S = 400 * 24 * 60 * 60;
const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

export interface DevicesRoutesOptions {
  devices: DevicesService;
  secureCookies: boolean;
  rateLimitMultiplier: number;
}

/** Admin → Devices: board and kiosk keys, their pairing codes, revocation; and `GET /devices/me` for a paired screen. */
export const devicesRoutes: FastifyPluginAsyncZod<DevicesRoutesOptions> = async (app, opts) => {
  const { devices } = opts;
  const cookies = cookiesFor(opts.secureCookies);
  const actorOf = (request: Parameters<typeof requestContext>[0]) => ({ userId: requirePrincipal(request).userId, context: requestContext(request) });

  app.post(
    '/devices',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['setup'],
        summary: 'Create a board or kiosk device: its API key (shown this once, stored hashed) and a pairing code (10 minutes, one use)',
        body: createDeviceBodySchema,
        response: { 201: createdDeviceSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await devices.create(request.body, actorOf(request))),
  );

  app.get(
    '/devices',
    {
      config: { roles: ADMIN_ONLY },
      schema: { tags: ['setup'], summary: 'Every device: key prefix, departments, privacy, last use, revocation', response: { 200: z.array(deviceSchema), ...errors } },
    },
    async () => devices.list(),
  );

  app.get(
    '/devices/me',
    {
      config: { roles: ['display', 'kiosk'] },
      schema: { tags: ['setup'], summary: 'The paired device asking (never its key) and the CSRF token its writes send back', response: { 200: pairedDeviceSchema, ...errors } },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const me = devices.describe(principal);
      // A screen on its cookie keeps it for another 400 days each time it starts.
      const cookie = request.cookies[cookies.device];
      if (cookie) reply.setCookie(cookies.device, cookie, cookies.flags('/', SCREEN_COOKIE_MAX_AGE_S));
      return me;
    },
  );

  app.delete(
    '/devices/:id',
    {
      config: { roles: ADMIN_ONLY },
      schema: { tags: ['setup'], summary: 'Revoke a device: its key is refused from the next request on every instance, its sockets close', params: idParamsSchema, response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      await devices.revoke(request.params.id, actorOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/devices/:id/pairing-code',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['setup'],
        summary: 'A new pairing code for the device (10 minutes, one use; the previous code stops working)',
        params: idParamsSchema,
        body: emptyBodySchema,
        response: { 200: pairingCodeSchema, ...errors, 409: problemSchema },
      },
    },
    async (request) => devices.renewPairingCode(request.params.id),
  );
};

/** `POST /public/devices/pair`: a screen pairs itself with the code from Admin → Devices. */
export const devicePairingRoutes: FastifyPluginAsyncZod<DevicesRoutesOptions> = async (app, opts) => {
  const cookies = cookiesFor(opts.secureCookies);
  app.post(
    '/devices/pair',
    {
      config: { public: true, rateLimit: perMinute(PAIR_PER_MINUTE, opts.rateLimitMultiplier) },
      schema: {
        tags: ['public'],
        summary: 'Pair this screen with a one-time code from Admin → Devices: sets its long-lived device cookie (HttpOnly, SameSite=Strict)',
        body: pairDeviceBodySchema,
        response: { 200: pairedDeviceSchema, 400: problemSchema, 401: problemSchema, 429: problemSchema },
      },
    },
    async (request, reply) => {
      const { device, screenKey } = await opts.devices.pair(request.body.pairingCode, requestContext(request));
      reply.setCookie(cookies.device, screenKey, cookies.flags('/', SCREEN_COOKIE_MAX_AGE_S));
      return device;
    },
  );
};
