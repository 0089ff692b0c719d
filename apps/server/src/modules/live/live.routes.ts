import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { emptyBodySchema, liveClientMessageSchema, liveTicketResponseSchema, problemSchema } from '@smart-token/contracts';
import { AppError, ForbiddenError, RateLimitedError, UnauthenticatedError } from '../../errors.js';
import { requirePrincipal, type DeviceAuthenticator } from '../auth/auth.plugin.js';
import { cookiesFor } from '../auth/cookies.js';
import { requestContext } from '../auth/auth.plugin.js';
import { perMinute } from '../../plugins/rate-limit.js';
import type { AuthService } from '../auth/auth.service.js';
import { LiveError, type LiveClient, type LiveHub, type LivePrincipal } from './live.hub.js';
import type { LiveService } from './live.service.js';
import { MessageBudget, POLICY_VIOLATION, SOCKET_LIMITS, createAddressCounter } from './socket-guard.js';

const SOCKETS_PER_MINUTE = 120;
/** Generous: a waiting room's phones share the hospital Wi-Fi's one public address, each with its status page open. */
const DEFAULT_SOCKETS_PER_ADDRESS = 500;

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
  /** Open sockets one address may hold on this instance (LIVE_SOCKETS_PER_ADDRESS). */
  socketsPerAddress?: number;
  /** Boards and kiosks open the socket with their ApiKey header or their paired screen's cookie. */
  devices?: DeviceAuthenticator;
  secureCookies?: boolean;
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
  const addresses = createAddressCounter(opts.socketsPerAddress ?? DEFAULT_SOCKETS_PER_ADDRESS);
  const cookies = cookiesFor(opts.secureCookies ?? false);
  app.decorateRequest('livePrincipal', undefined);

  app.post(
    '/live/ticket',
    {
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
        if (!addresses.allows(request.ip)) throw new RateLimitedError('Too many live connections from this address; close some pages and try again.', 60);
        const { ticket } = request.query;
        if (ticket !== undefined) {
          const principal = await live.redeemTicket(ticket);
          if (!principal) throw new UnauthenticatedError('The live ticket is unknown, expired or already used; ask for a new one.');
          request.livePrincipal = principal;
          return;
        }
        const header = request.headers.authorization;
        if (header?.toLowerCase().startsWith('apikey ') && opts.devices) {
          request.livePrincipal = await opts.devices.authenticate(header.slice('apikey '.length), requestContext(request));
          return;
        }
        const cookie = request.cookies[cookies.access];
        if (cookie) request.livePrincipal = await auth.authenticate(cookie).catch(() => undefined);
        const screen = request.cookies[cookies.device];
        if (!request.livePrincipal && screen && opts.devices) request.livePrincipal = await opts.devices.authenticate(screen, requestContext(request)).catch(() => undefined);
      },
    },
    (socket: WebSocket, request) => {
      const client = hub.connect(socket, request.livePrincipal);
      const address = request.ip;
      addresses.opened(address);
      // Handlers are attached at once: messages that arrive while we await are queued per client,
      // within a rate and a bounded queue; a client past either is closed (1008) and costs no more.
      let queue = Promise.resolve();
      let pending = 0;
      let refused = false;
      const budget = new MessageBudget(SOCKET_LIMITS.messagesPerSecond, SOCKET_LIMITS.burst);
      const refuse = (reason: string) => {
        refused = true;
        request.log.info({ ip: address, reason }, 'live socket closed for breaking its limits');
        socket.close(POLICY_VIOLATION, reason);
      };
      socket.on('message', (data, isBinary) => {
        if (refused) return;
        if (!budget.take()) return refuse('Too many messages');
        if (pending >= SOCKET_LIMITS.maxPending) return refuse('Too many messages waiting');
        pending += 1;
        queue = queue
          .then(() => handle(client, isBinary ? undefined : Buffer.from(data as Buffer).toString('utf8')))
          .catch((error: unknown) => app.log.warn({ err: error }, 'live message failed'))
          .finally(() => (pending -= 1));
      });
      socket.on('pong', () => hub.pong(client));
      let gone = false;
      const leave = () => {
        if (gone) return;
        gone = true;
        addresses.closed(address);
        hub.disconnect(client);
      };
      socket.on('close', leave);
      socket.on('error', leave);
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
