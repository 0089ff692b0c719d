import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { ANY_STAFF } from '../roles.js';
import type { DepartmentsService } from './departments.service.js';

/** Keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 25_000;
/** A reorder changes every counter of a department: the screens hear one change, not one per counter. */
const COALESCE_MS = 50;
/** How soon the browser's EventSource tries again after a drop. */
const RETRY_MS = 3000;

/**
 * Server-sent events that say "departments or counters changed" (on any instance: fed by the cache
 * invalidation bus), so the screens that list them reload the lists at once. The message carries
 * no data; the screens read the lists through the API as the signed-in user.
 * Hidden from the OpenAPI document: a stream that never ends cannot be described or probed there.
 */
export const setupEventsRoutes: FastifyPluginAsync<{ departments: DepartmentsService }> = async (app, { departments }) => {
  const streams = new Set<ServerResponse>();
  let pending: NodeJS.Timeout | undefined;
  const send = (text: string) => streams.forEach((stream) => stream.write(text));

  departments.onChange(() => {
    pending ??= setTimeout(() => {
      pending = undefined;
      send('event: setup\ndata: {}\n\n');
    }, COALESCE_MS);
  });
  const heartbeat = setInterval(() => send(': still here\n\n'), HEARTBEAT_MS);
  heartbeat.unref();

  app.addHook('preClose', async () => {
    clearInterval(heartbeat);
    clearTimeout(pending);
    // Destroyed, not ended: the server's close would otherwise wait for each open stream's socket.
    streams.forEach((stream) => stream.destroy());
    streams.clear();
  });

  app.get('/setup/events', { config: { roles: ANY_STAFF }, schema: { hide: true } }, (_request, reply) => {
    reply.hijack();
    const stream = reply.raw;
    // The headers other hooks set (request id, security headers): a hijacked reply does not send them itself.
    const headers = Object.fromEntries(Object.entries(reply.getHeaders()).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined));
    stream.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx would otherwise hold the events back in its buffer.
      'x-accel-buffering': 'no',
    });
    stream.write(`retry: ${RETRY_MS}\nevent: ready\ndata: {}\n\n`);
    streams.add(stream);
    stream.on('close', () => streams.delete(stream));
  });
};
