import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { emptyBodySchema, liveClientMessageSchema, liveTicketResponseSchema, problemSchema } from '@smart-token/contracts';
import { AppError, ForbiddenError, UnauthenticatedError } from '../../errors.js';
import { ACCESS_COOKIE, requirePrincipal } from '../auth/auth.plugin.js';
import { perMinute } from '../../plugins/rate-limit.js';
import type { AuthService } from '../auth/auth.service.js';
import { ANY_STAFF } from '../roles.js';
import { LiveError, type LiveClient, type LiveHub, type LivePrincipal } from './live.hub.js';
import type { LiveService } from './live.service.js';

const SOCKETS_PER_MINUTE = 120;

declare module 'fastify' {
  interface FastifyRequest {
    livePrincipal: LivePrincipal | undefined;
  }
}

export interface LiveRoutesOptions {
  live: LiveService;
  hub: LiveHub;
  auth: AuthService;
  publicUrl: string;
  rateLimitMultiplier: number;
}

/** Browsers send Origin on a WebSocket: only our own pages may open one with the staff cookie. */
function sameOrigin(request: FastifyRequest, publicUrl: string): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  const host = request.headers.host;
  return origin === new URL(publicUrl).origin || (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`));
}

export const liveRoutes: FastifyPluginAsyncZod<LiveRoutesOptions> = async (app, opts) => {
  const { live, hub, auth } = opts;
  app.decorateRequest('livePrincipal', undefined);

  app.post(
    '/live/ticket',
    {
      config: { roles: ANY_STAFF },
      schema: { tags: ['live'], summary: 'A one-time ticket (60 s) to open the live socket: /api/v1/live?ticket=…', body: emptyBodySchema, response: { 200: liveTicketResponseSchema, 401: problemSchema } },
    },
    async (request) => live.issueTicket(requirePrincipal(request)),
  );

  app.get(
    '/live',
    {
      websocket: true,
      config: { public: true, rateLimit: perMinute(SOCKETS_PER_MINUTE, opts.rateLimitMultiplier) },
      schema: { tags: ['live'], summary: 'Live queue events (WebSocket). Staff: session cookie or ?ticket=; patients: no login', querystring: z.strictObject({ ticket: z.string().max(128).optional() }) },
      // Who is connecting is settled before the upgrade: a bad or spent ticket gets a plain 401.
      preValidation: async (request) => {
        if (!sameOrigin(request, opts.publicUrl)) throw new ForbiddenError('This page may not open a live connection here.');
        const { ticket } = request.query;
        if (ticket !== undefined) {
          const principal = await live.redeemTicket(ticket);
          if (!principal) throw new UnauthenticatedError('The live ticket is unknown, expired or already used; ask for a new one.');
          request.livePrincipal = principal;
          return;
        }
        const cookie = request.cookies[ACCESS_COOKIE];
        if (cookie) request.livePrincipal = await auth.authenticate(cookie).catch(() => undefined);
      },
    },
    (socket: WebSocket, request) => {
      const client = hub.connect(socket, request.livePrincipal);
      // Handlers are attached at once: messages that arrive while we await are queued per client.
      let queue = Promise.resolve();
      socket.on('message', (data, isBinary) => {
        queue = queue.then(() => handle(client, isBinary ? undefined : Buffer.from(data as Buffer).toString('utf8'))).catch((error: unknown) => app.log.warn({ err: error }, 'live message failed'));
      });
      socket.on('pong', () => hub.pong(client));
      socket.on('close', () => hub.disconnect(client));
      socket.on('error', () => hub.disconnect(client));
    },
  );

  async function handle(client: LiveClient, text: string | undefined): Promise<void> {
    let raw: unknown;
    try {
      raw = text === undefined ? undefined : JSON.parse(text);
    } catch {
      hub.send(client, { type: 'error', code: 'VALIDATION_FAILED', detail: 'Messages are JSON objects.' });
      return;
    }
    const parsed = liveClientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      hub.send(client, { type: 'error', code: 'VALIDATION_FAILED', detail: 'Unknown message: send { "action": "subscribe", "topic": "department" | "status", … }.' });
      return;
    }
    const message = parsed.data;
    try {
      if (message.action === 'ping') {
        hub.send(client, { type: 'pong' });
      } else if (message.action === 'unsubscribe') {
        hub.unsubscribeDepartment(client, message.departmentId);
      } else if (message.topic === 'department') {
        if (!client.principal) throw new LiveError('UNAUTHENTICATED', 'Sign in (session cookie or a live ticket) to follow a department.');
        if (!(await live.departmentExists(message.departmentId))) throw new LiveError('NOT_FOUND', `Department ${message.departmentId} does not exist.`);
        hub.subscribeDepartment(client, message.departmentId, await live.currentSeq(message.departmentId), message.since, message.privacy);
      } else {
        const ref = 'statusKey' in message ? await live.tokenByStatusKey(message.statusKey) : await live.tokenByNumber(message.token, message.phoneLast4);
        if (!ref) throw new LiveError('NOT_FOUND', 'No token matches.');
        hub.subscribeStatus(client, ref.tokenId, ref.departmentId, ref.status);
      }
    } catch (error) {
      if (error instanceof LiveError) hub.send(client, { type: 'error', code: error.code, detail: error.detail });
      else if (error instanceof AppError) hub.send(client, { type: 'error', code: error.code, detail: error.detail });
      else throw error;
    }
  }
};
