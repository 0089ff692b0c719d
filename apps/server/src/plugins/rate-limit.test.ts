import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test/child-server.js';
import { FLUSH_MS } from './batched-redis-store.js';
import { problemOf, startTestApp, type TestApp } from '../test/test-app.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('rate limits shared through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  // A fresh client address per run, so counters left in Redis by an earlier run never meet this one.
  const client = `10.${randomInt(255)}.${randomInt(255)}.${randomInt(1, 255)}`;

  beforeAll(async () => {
    // 60/min × 0.05 = 3 lookups a minute per address.
    const env = { REDIS_URL, RATE_LIMIT_MULTIPLIER: '0.05', RATE_LIMIT_STATUS_PER_MINUTE: '60' };
    a = await startTestApp('sqlite', { env });
    b = await startTestApp('sqlite', { env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('counts one address across two instances and answers 429 with Retry-After past the limit', async () => {
    const lookup = (t: TestApp) => t.inject({ method: 'GET', url: '/api/v1/public/status/unknown-key', remoteAddress: client });
    expect((await lookup(a)).statusCode).toBe(404);
    expect((await lookup(b)).statusCode).toBe(404);
    expect((await lookup(a)).statusCode).toBe(404);
    const limited = await lookup(b);
    expect(limited.statusCode).toBe(429);
    expect(problemOf(limited).code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address still gets through.
    expect((await b.inject({ method: 'GET', url: '/api/v1/public/status/unknown-key', remoteAddress: `10.${randomInt(255)}.${randomInt(255)}.${randomInt(1, 255)}` })).statusCode).toBe(404);
  });
});

describe('a large limit shared through Redis, counted in batches', () => {
  let a: TestApp;
  let b: TestApp;
  const client = `10.${randomInt(255)}.${randomInt(255)}.${randomInt(1, 255)}`;

  beforeAll(async () => {
    // The public branding's 600 a minute × 0.5 = 300 per address: large enough to be batched.
    const env = { REDIS_URL, RATE_LIMIT_MULTIPLIER: '0.5' };
    a = await startTestApp('sqlite', { env });
    b = await startTestApp('sqlite', { env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const branding = (t: TestApp) => t.inject({ method: 'GET', url: '/api/v1/public/branding', remoteAddress: client });
  async function accepted(t: TestApp, count: number): Promise<number> {
    let ok = 0;
    for (let i = 0; i < count; i++) if ((await branding(t)).statusCode === 200) ok += 1;
    return ok;
  }

  it('lets two instances together take exactly the limit, though most requests never wait on Redis', async () => {
    expect(await accepted(a, 140)).toBe(140);
    expect(await accepted(b, 140)).toBe(140);
    // Both instances tell Redis what they counted within FLUSH_MS.
    await new Promise((resolve) => setTimeout(resolve, FLUSH_MS * 3));
    const more = (await accepted(a, 40)) + (await accepted(b, 10));
    expect(140 + 140 + more).toBe(300);
    const limited = await branding(b);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
  });
});

describe('rate-limit keys and defaults', () => {
  let t: TestApp;
  const address = () => `10.${randomInt(255)}.${randomInt(255)}.${randomInt(1, 255)}`;

  beforeAll(async () => {
    // Status lookups 60/min × 0.05 = 3 per address and token; sign-ins 100 × 0.05 = 5 per address and
    // account; staff 600/min × 0.05 = 30 per person.
    // Self check-ins 60 × 0.05 = 3 per address and phone.
    t = await startTestApp('sqlite', { env: { RATE_LIMIT_MULTIPLIER: '0.05', RATE_LIMIT_STATUS_PER_MINUTE: '60', RATE_LIMIT_LOGIN_PER_MINUTE: '100', RATE_LIMIT_CHECK_IN_PER_MINUTE: '60' } });
  });
  afterAll(() => t?.close());

  it('keys a public lookup by address and token: a waiting room behind one address is not locked out by one guesser', async () => {
    const nat = address();
    const lookup = (key: string) => t.inject({ method: 'GET', url: `/api/v1/public/status/${key}`, remoteAddress: nat });
    // One guesser hammers one key from the shared address…
    const guesses = [];
    for (let i = 0; i < 4; i++) guesses.push((await lookup('the-same-key')).statusCode);
    expect(guesses).toEqual([404, 404, 404, 429]);
    // …and twenty patients behind the same address still look up their own.
    for (let i = 0; i < 20; i++) expect((await lookup(`patient-key-${i}`)).statusCode).toBe(404);
  });

  it('keys sign-ins by address and account: a guesser at one account does not stop a colleague at the same address', async () => {
    const ward = address();
    const login = (email: string) => t.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ward, payload: { email, password: 'not the right password' } });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await login('head.nurse@test.local')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await login('ward.clerk@test.local')).statusCode).toBe(401);
  });

  it('answers the sixth sign-in a minute with 429 problem+json, Retry-After and the X-RateLimit headers', async () => {
    const desk = address();
    const login = () => t.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: desk, payload: { email: 'night.nurse@test.local', password: 'not the right password' } });
    for (let i = 0; i < 5; i++) expect((await login()).headers['x-ratelimit-remaining']).toBe(String(4 - i));
    const limited = await login();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problemOf(limited).code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-ratelimit-limit']).toBe('5');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
  });

  it('allows three self check-ins a minute per address and phone, and another phone at the same address its own three', async () => {
    const waitingArea = await t.department({ code: 'PHN', name: 'Phone Join', selfCheckIn: 'phone' });
    const { joinCode } = (await t.inject({ method: 'GET', url: `/api/v1/departments/${waitingArea.id}/join-code`, headers: await t.as('admin') })).json<{ joinCode: string }>();
    const wifi = address();
    const checkIn = (phone: string) =>
      t.inject({ method: 'POST', url: '/api/v1/public/check-in', remoteAddress: wifi, payload: { departmentId: waitingArea.id, joinCode, name: 'Anil Menon', phone } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await checkIn('98765 11111')).statusCode);
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses[3]).toBe(429);
    expect((await checkIn('98765 22222')).statusCode).toBe(201);
  });

  it('sends X-RateLimit headers on limited routes', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/public/status/headers-key', remoteAddress: address() });
    expect(res.headers['x-ratelimit-limit']).toBe('3');
    expect(res.headers['x-ratelimit-remaining']).toBe('2');
    expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
  });

  it('counts signed-in staff as themselves, from any address, with the staff default', async () => {
    const headers = await t.as('receptionist');
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers, remoteAddress: address() })).statusCode);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses[30]).toBe(429);
    // A colleague at the same desk is not held back by it.
    expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: await t.as('doctor') })).statusCode).toBe(200);
  });

  it('never limits the web app’s pages or the health checks', async () => {
    const nat = address();
    for (let i = 0; i < 10; i++) expect((await t.inject({ method: 'GET', url: '/healthz', remoteAddress: nat })).statusCode).toBe(200);
  });
});

describe('rate limits when Redis goes away', () => {
  let redis: ChildProcess;
  let port: number;
  let a: TestApp;
  let log = '';

  beforeAll(async () => {
    port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitForRedis(port);
    a = await startTestApp('sqlite', { env: { REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_MULTIPLIER: '0.05', RATE_LIMIT_STATUS_PER_MINUTE: '60', LOG_LEVEL: 'warn' }, logStream: (line) => (log += line) });
  });
  afterAll(async () => {
    redis?.kill('SIGKILL');
    await a?.close();
  });

  it('keeps serving, and keeps limiting in memory, when Redis stops mid-run', async () => {
    const client = '10.77.0.1';
    const lookup = () => a.inject({ method: 'GET', url: '/api/v1/public/status/outage-key', remoteAddress: client });
    expect((await lookup()).statusCode).toBe(404);
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    const started = Date.now();
    const during = [];
    for (let i = 0; i < 4; i++) during.push((await lookup()).statusCode);
    // Counted afresh in this instance's memory: three more, then the limit.
    expect(during).toEqual([404, 404, 404, 429]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await a.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect(log).toContain('rate limits: Redis is not answering');
  });
});

async function waitForRedis(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not start on ${port}`);
}
