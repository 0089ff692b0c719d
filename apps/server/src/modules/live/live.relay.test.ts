import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../../test/child-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { openSocket, type TestSocket } from '../../test/live-client.js';
import { StaffSignIn, fetchCall } from '../../test/admin-sign-in.js';
import { TEST_PASSWORD, nextPhone, testEnv } from '../../test/test-app.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The relay's poll runs every second; a stalled event must be on screens well within this. */
const STALL_DELIVERY_MS = 5000;

/**
 * A TCP proxy in front of Redis that the test can freeze: from then on what the client sends is
 * held here (and can be read) instead of reaching Redis. Replies still flow back.
 */
async function startFreezableProxy(target: URL) {
  let frozen = false;
  const held: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => (frozen ? held.push(chunk) : upstream.write(chunk)));
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const url = new URL(target.href);
  url.host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url: url.href,
    freeze: () => void (frozen = true),
    held: () => Buffer.concat(held).toString('utf8'),
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.runIf(DIALECTS.includes('postgres'))('a committed live event whose publish is lost, on PostgreSQL + Redis', () => {
  let db: TestDatabase;
  let proxy: Awaited<ReturnType<typeof startFreezableProxy>>;
  let a: ChildServer;
  let b: ChildServer;
  let headers: Record<string, string>;
  let watcher: Redis;
  let staff: TestSocket | undefined;
  /** Every message published on any Redis channel while the test runs. */
  const published: string[] = [];

  async function post(server: ChildServer, path: string, body?: unknown) {
    const res = await fetch(`${server.url}/api/v1${path}`, { method: 'POST', headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    expect(res.ok, `${path}: ${res.status}`).toBe(true);
    return (await res.json()) as Record<string, unknown>;
  }

  beforeAll(async () => {
    db = await freshDatabase('postgres');
    proxy = await startFreezableProxy(new URL(REDIS_URL));
    watcher = new Redis(REDIS_URL);
    watcher.on('pmessage', (_pattern: string, _channel: string, message: string) => published.push(message));
    await watcher.psubscribe('*');
    const env = { ...testEnv(db), ADMIN_EMAIL: 'admin@relay.test', ADMIN_PASSWORD: TEST_PASSWORD };
    a = await startChildServer({ ...env, REDIS_URL: proxy.url });
    b = await startChildServer({ ...env, REDIS_URL });
    const login = await new StaffSignIn(fetchCall(b.url)).signIn('admin@relay.test', TEST_PASSWORD);
    headers = { authorization: `Bearer ${login.accessToken}`, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    staff?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    watcher?.disconnect();
    await proxy?.close();
    await db?.drop();
  });

  it('reaches a socket on instance B although instance A was killed between its commit and its publish', async () => {
    const dept = await post(a, '/departments', { code: 'RLY', name: 'Relay' });
    const { ticket } = (await post(b, '/live/ticket')) as { ticket: string };
    staff = await openSocket(`${b.url.replace('http', 'ws')}/api/v1/live?ticket=${ticket}`);
    staff.send({ action: 'subscribe', topic: 'department', departmentId: dept.id });
    await staff.next((m) => m.type === 'subscribed');

    // Through the proxy while it still forwards: A's publish reaches Redis and B's socket.
    const first = await post(a, '/tokens', { departmentId: dept.id, patient: { name: 'First', phone: nextPhone() } });
    expect(await staff.next((m) => m.type === 'token.issued')).toMatchObject({ token: { id: first.id } });
    await until(() => published.some((m) => m.includes(first.id as string)), 1000, 'the first publish on Redis');

    proxy.freeze();
    const lost = await post(a, '/tokens', { departmentId: dept.id, patient: { name: 'Lost', phone: nextPhone() } });
    // A did publish it, into the frozen proxy: the change committed and only the publish is stuck.
    await until(() => proxy.held().includes(lost.id as string), 1000, 'A’s publish to reach the proxy');
    await a.kill9();
    const killedAt = Date.now();

    const arrived = await staff.next((m) => m.type === 'token.issued' && (m.token as { id: string }).id === lost.id, STALL_DELIVERY_MS);
    expect(arrived).toMatchObject({ departmentId: dept.id, seq: 2, token: { number: lost.number } });
    expect(Date.now() - killedAt).toBeLessThan(STALL_DELIVERY_MS);

    // It is committed (B's own HTTP API shows it), it went out once, and it never came through Redis.
    const queue = await fetch(`${b.url}/api/v1/departments/${dept.id as string}/queue`, { headers });
    expect(JSON.stringify(await queue.json())).toContain(lost.id as string);
    await new Promise((r) => setTimeout(r, 1500));
    expect(staff.messages.filter((m) => m.type === 'token.issued')).toEqual([]);
    expect(published.filter((m) => m.includes(lost.id as string))).toEqual([]);
  });
});
