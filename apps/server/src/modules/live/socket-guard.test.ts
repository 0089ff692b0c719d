import { LIVE_MAX_PAYLOAD_BYTES } from '@smart-token/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loggerOptions, type App } from '../../app.js';
import { loadConfig } from '../../config.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { openSocket, type TestSocket } from '../../test/live-client.js';
import { testEnv, textStream } from '../../test/test-app.js';
import { MessageBudget, createAddressCounter } from './socket-guard.js';

describe('MessageBudget', () => {
  it('allows a burst, then the sustained rate, and refills with time', () => {
    let now = 0;
    const budget = new MessageBudget(10, 5, () => now);
    expect(Array.from({ length: 6 }, () => budget.take())).toEqual([true, true, true, true, true, false]);
    now += 100; // one message's worth at 10/s
    expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
    now += 10_000; // refills to the burst, no further
    expect(Array.from({ length: 6 }, () => budget.take()).filter(Boolean)).toHaveLength(5);
  });
});

describe('createAddressCounter', () => {
  it('counts open sockets per address and frees them on close', () => {
    const counter = createAddressCounter(2);
    counter.opened('a');
    counter.opened('a');
    expect(counter.allows('a')).toBe(false);
    expect(counter.allows('b')).toBe(true);
    counter.closed('a');
    expect(counter.allows('a')).toBe(true);
  });
});

describe.each(DIALECTS)('live socket limits on %s', (dialect) => {
  let db: TestDatabase;
  let app: App;
  let base: string;
  let http: string;
  let log = '';
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    const config = loadConfig(testEnv(db, { LOG_LEVEL: 'info', LIVE_SOCKETS_PER_ADDRESS: '6' }));
    app = await buildApp(config, { logger: { ...(loggerOptions(config) as object), stream: textStream((text) => (log += text)) } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    base = `ws://127.0.0.1:${port}/api/v1/live`;
    http = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app.close();
    await db.drop();
  });

  const open = async () => {
    const socket = await openSocket(base);
    sockets.push(socket);
    return socket;
  };

  it('closes a socket that floods subscribe messages with 1008, and the others do not notice', async () => {
    const calm = await open();
    const flood = await open();
    const sent = 5000;
    for (let i = 0; i < sent; i++) flood.send({ action: 'subscribe', topic: 'status', token: `GEN-${String(i % 999).padStart(3, '0')}`, phoneLast4: '1234' });
    const closed = await Promise.race([flood.closed, new Promise<{ code: number }>((_, reject) => setTimeout(() => reject(new Error('not closed')), 5000))]);
    expect(closed.code).toBe(1008);
    // The flood got answers to at most its burst, not to thousands of lookups.
    expect(flood.messages.length).toBeLessThan(100);
    const started = Date.now();
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    calm.send({ action: 'ping' });
    await calm.next((m) => m.type === 'pong', 2000);
    expect(log).toContain('live socket closed for breaking its limits');
  });

  it('closes a socket that sends an oversized frame without an error-level stack trace', async () => {
    const socket = await open();
    socket.ws.send('x'.repeat(LIVE_MAX_PAYLOAD_BYTES + 10));
    expect((await socket.closed).code).toBe(1009);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const errors = log.split('\n').filter((line) => line.includes('"level":50'));
    expect(errors).toEqual([]);
  });

  it('refuses more open sockets from one address than allowed with 429, and frees a place when one closes', async () => {
    for (const s of sockets.splice(0)) s.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const six = await Promise.all(Array.from({ length: 6 }, () => open()));
    await expect(openSocket(base)).rejects.toThrow(/429/);
    six[0]!.close();
    await six[0]!.closed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    sockets.push(await openSocket(base));
  });
});
