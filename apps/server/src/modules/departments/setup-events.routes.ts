import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { DisplayService } from '../display/display.service.js';
import type { DepartmentsService } from './departments.service.js';

/** Keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 25_000;
/** A reorder changes every counter of a department: the screens hear one change, not one per counter. */
export const COALESCE_MS = 50;
/** How soon the browser's EventSource tries again after a drop. */
const RETRY_MS = 3000;

/**
 * Server-sent events that say "departments or counters changed" (`setup`) or "a board's ticker or
 * fade time changed" (`board`), on any instance (fed by the cache invalidation bus), so the screens
 * that show them reload at once. The message carries no data; the screens read through the API as
 * the signed-in user.
 * Hidden from the OpenAPI document: a stream that never ends cannot be described or probed there.
 */
export const setupEventsRoutes: FastifyPluginAsync<{ departments: DepartmentsService; display: Pick<DisplayService, 'onChange'> }> = async (app, { departments, display }) => {
  const streams = new Set<ServerResponse>();
  const pending = new Map<string, NodeJS.Timeout>();
  const send = (text: string) => streams.forEach((stream) => stream.write(text));
  const announce = (event: 'setup' | 'board') => () => {
    if (pending.has(event)) return;
    pending.set(
      event,
      setTimeout(() => {
        pending.delete(event);
        send(`event: ${event}\ndata: {}\n\n`);
      }, COALESCE_MS),
    );
  };

  departments.onChange(announce('setup'));
  display.onChange(announce('board'));
  const heartbeat = setInterval(() => send(': still here\n\n'), HEARTBEAT_MS);
  heartbeat.unref();

  app.addHook('preClose', async () => {
    clearInterval(heartbeat);
    pending.forEach((timer) => clearTimeout(timer));
    pending.clear();
    // Destroyed, not ended: the server's close would otherwise wait for each open stream's socket.
    streams.forEach((stream) => stream.destroy());
    streams.clear();
  });

  app.get('/setup/events', { schema: { hide: true } }, (_request, reply) => {
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
