import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loggerOptions } from './app.js';
import { loadConfig } from './config.js';
import { ensureFirstAdmin } from './modules/users/first-admin.js';
import { startChildServer, type ChildServer } from './test/child-server.js';
import { DIALECTS, freshDatabase } from './test/databases.js';
import { StaffSignIn, fetchCall, injectCall } from './test/admin-sign-in.js';
import { TEST_PASSWORD, TEST_SECRET, problemOf, startTestApp, testEnv, type TestApp } from './test/test-app.js';

const API_MD_PATHS = [
  '/api/v1/auth/login',
  '/api/v1/auth/refresh',
  '/api/v1/auth/logout',
  '/api/v1/auth/me',
  '/api/v1/departments',
  '/api/v1/counters',
  '/api/v1/users',
  '/api/v1/tokens',
  '/api/v1/tokens/{id}',
  '/api/v1/departments/{id}/queue',
  '/api/v1/counters/{id}/call-next',
  '/api/v1/tokens/{id}/recall',
  '/api/v1/tokens/{id}/start',
  '/api/v1/tokens/{id}/complete',
  '/api/v1/tokens/{id}/transfer',
  '/api/v1/tokens/{id}/park',
  '/api/v1/tokens/{id}/no-show',
  '/api/v1/tokens/{id}/cancel',
  '/api/v1/tokens/{id}/undo',
  '/api/v1/public/status',
  '/api/v1/public/status/{statusKey}',
  '/api/v1/public/check-in',
  '/api/v1/public/display',
];

describe.each(DIALECTS)('operations on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t.close());

  it.each(['/healthz', '/readyz'])('answers %s with 200 { status: "ok" }', async (url) => {
    const res = await t.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('answers /healthz and /readyz with 503 problem+json when the database does not answer', async () => {
    const own = await startTestApp(dialect);
    try {
      await own.app.database.close();
      for (const url of ['/healthz', '/readyz']) {
        const res = await own.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(503);
        expect(problemOf(res).detail).toContain('database');
      }
    } finally {
      await own.close();
    }
  });

  it('puts x-request-id on every answer, errors included, and the problem body names the same id', async () => {
    const answers = [
      await t.inject({ method: 'GET', url: '/healthz' }),
      await t.inject({ method: 'GET', url: '/api/v1/no-such-thing' }),
      await t.inject({ method: 'GET', url: '/api/v1/departments' }),
      await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x@y.test', password: 'p', extra: 1 } }),
      await t.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'hello' }),
      await t.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: `{"email":"${'x'.repeat(110_000)}"}` }),
      await t.inject({ method: 'GET', url: '/api/v1/public/status/%E0%A4%A' }),
    ];
    expect(answers.map((r) => r.statusCode)).toEqual([200, 404, 401, 400, 415, 413, 400]);
    for (const res of answers) {
      const id = res.headers['x-request-id'];
      expect(id, `${res.statusCode} ${res.body}`).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      if (res.statusCode >= 400) expect(problemOf(res)).toMatchObject({ requestId: id });
    }
    expect(new Set(answers.map((r) => r.headers['x-request-id'])).size).toBe(answers.length);
  });

  it('echoes a valid incoming x-request-id and replaces one that is not', async () => {
    const echoed = await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { 'x-request-id': 'lb-7f3a.42_x' } });
    expect(echoed.headers['x-request-id']).toBe('lb-7f3a.42_x');
    expect(problemOf(echoed)).toMatchObject({ requestId: 'lb-7f3a.42_x' });

    for (const bad of ['has spaces in it', 'x'.repeat(65), '<script>']) {
      const res = await t.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': bad } });
      expect(res.headers['x-request-id']).not.toBe(bad);
      expect(res.headers['x-request-id']).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    }
  });

  it('publishes an OpenAPI 3 document listing the API.md paths', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; info: { title: string }; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBeTruthy();
    expect(API_MD_PATHS.filter((p) => !(p in doc.paths))).toEqual([]);
    expect(Object.keys(doc.paths['/api/v1/counters/{id}/call-next']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/v1/tokens']!)).toContain('post');
  });

  it('serves the browsable API docs as HTML at /api/docs, with its scripts and styles', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<html/i);
    const assets = [...res.body.matchAll(/(?:src|href)="(\/api\/docs\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.filter((a) => a.endsWith('.js')).length).toBeGreaterThan(1);
    for (const asset of assets) expect((await t.inject({ method: 'GET', url: asset })).statusCode, asset).toBe(200);
  });

  it('keeps the docs page usable on a plain-http LAN and unframeable', async () => {
    const csp = String((await t.inject({ method: 'GET', url: '/api/docs' })).headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('marks staff answers that carry patient data as not cacheable', async () => {
    const gen = await t.department({ code: 'OPSC', counters: 1 });
    const issued = await t.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: await t.as('receptionist'),
      payload: { departmentId: gen.id, patient: { name: 'Asha Rao', phone: '+919800011122' } },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const read = await t.inject({ method: 'GET', url: `/api/v1/tokens/${issued.json<{ id: string }>().id}`, headers: await t.as('receptionist') });
    expect(read.statusCode).toBe(200);
    expect(read.headers['cache-control']).toBe('no-store');
    expect((await t.inject({ method: 'GET', url: `/api/v1/departments/${gen.id}/queue`, headers: await t.as('doctor') })).headers['cache-control']).toBe('no-store');
  });

  it('sends the security headers: no sniffing, no framing', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: await t.as('admin') });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('creates one first admin when two instances start on an empty database at once', async () => {
    const own = await startTestApp(dialect);
    try {
      const users = own.app.services.users;
      const results = await Promise.all([ensureFirstAdmin(users, own.config), ensureFirstAdmin(users, own.config)]);
      expect(results.filter((r) => r?.password !== undefined)).toHaveLength(1);
      expect(await users.countUsers()).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe.each(DIALECTS)('the log on %s', (dialect) => {
  it('never holds a password, a token, the Authorization or cookie header, a phone number or a status key', async () => {
    const db = await freshDatabase(dialect);
    const config = loadConfig(testEnv(db, { LOG_LEVEL: 'trace' }));
    let log = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const app = await buildApp(config, { logger: { ...(loggerOptions(config) as object), level: 'trace', stream } });
    try {
      const adminPassword = 'Admin-Password-Never-Logged-1';
      await app.services.users.createUser({ email: 'logs@test.local', name: 'Log Admin', role: 'admin', password: adminPassword });
      const wrongPassword = 'Wrong-Password-Never-Logged-2';
      expect((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'logs@test.local', password: wrongPassword } })).statusCode).toBe(401);
      const session = await new StaffSignIn(injectCall(app.inject.bind(app))).signIn('logs@test.local', adminPassword);
      const auth = { authorization: `Bearer ${session.accessToken}` };
      expect((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: auth })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: { st_access: session.accessToken } })).statusCode).toBe(200);

      const dept = await app.inject({ method: 'POST', url: '/api/v1/departments', headers: auth, payload: { name: 'Logs', code: 'LOG' } });
      const departmentId = dept.json<{ id: string }>().id;
      const phone = '+919811122233';
      const issued = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: auth, payload: { departmentId, patient: { name: 'Ravi Kumar', phone } } });
      expect(issued.statusCode, issued.body).toBe(201);
      const token = issued.json<{ number: string; statusKey: string }>();
      const badPhone = '+91 98 7654';
      expect((await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: auth, payload: { departmentId, patient: { name: 'X', phone: badPhone } } })).statusCode).toBe(400);
      expect((await app.inject({ method: 'POST', url: '/api/v1/public/status', payload: { token: token.number, phoneLast4: '2233' } })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: `/api/v1/public/status/${token.statusKey}` })).statusCode).toBe(200);
      const refreshed = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: session.refreshToken } });
      expect(refreshed.statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { 'x-csrf-token': session.csrfToken }, cookies: { st_refresh: refreshed.json<{ refreshToken: string }>().refreshToken } })).statusCode).toBe(204);

      // The log did record these requests, so its silence about the secrets means something.
      expect(log).toContain('/api/v1/auth/login');
      expect(log).toContain('/api/v1/tokens');
      expect(log).toContain('INVALID_CREDENTIALS');
      expect(log).toContain('/api/v1/public/status/[redacted]');
      for (const secret of [
        adminPassword,
        wrongPassword,
        session.accessToken,
        session.accessToken.split('.')[2]!,
        session.refreshToken,
        refreshed.json<{ refreshToken: string }>().refreshToken,
        session.csrfToken,
        phone,
        phone.slice(3),
        '98 7654',
        token.statusKey,
      ]) {
        expect(log.includes(secret), `the log holds ${secret}`).toBe(false);
      }
    } finally {
      await app.close();
      await db.drop();
    }
  });
});

describe('the built server', () => {
  const dirs: string[] = [];
  const running: ChildServer[] = [];

  afterAll(async () => {
    for (const server of running) if (server.process.exitCode === null) await server.kill9();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function sqliteEnv(extra: Record<string, string> = {}) {
    const dataDir = mkdtempSync(join(tmpdir(), 'smart-token-ops-'));
    dirs.push(dataDir);
    const file = join(dataDir, 'smart-token.db');
    return { file, env: { DATABASE_URL: `sqlite:${file}`, DATA_DIR: dataDir, JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', RATE_LIMIT_MULTIPLIER: '100', ...extra } };
  }

  async function start(env: Record<string, string>) {
    const server = await startChildServer(env);
    running.push(server);
    return server;
  }

  async function api(server: ChildServer, method: string, path: string, options: { token?: string; body?: unknown } = {}) {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(options.body !== undefined && { 'content-type': 'application/json' }), ...(options.token && { authorization: `Bearer ${options.token}` }) },
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    });
    const text = await res.text();
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown> & { accessToken?: string };
    return { status: res.status, body };
  }

  /** Signs in as a person would (the admin enrols in 2FA at the first sign-in), on whichever server is up. */
  let signingInAt = '';
  const staff = new StaffSignIn(fetchCall(() => signingInAt));
  async function login(server: ChildServer, email: string, password: string) {
    signingInAt = server.url;
    return staff.signIn(email, password);
  }

  it('creates the first admin from ADMIN_EMAIL and ADMIN_PASSWORD without printing the password, shuts down cleanly on SIGTERM and keeps the data', async () => {
    const { file, env } = sqliteEnv({ ADMIN_EMAIL: 'Boss@Clinic.test', ADMIN_PASSWORD: TEST_PASSWORD });
    const first = await start(env);
    expect(first.output()).toContain('boss@clinic.test');
    expect(first.output()).not.toContain(TEST_PASSWORD);

    const token = (await login(first, 'boss@clinic.test', TEST_PASSWORD)).accessToken;
    const dept = await api(first, 'POST', '/api/v1/departments', { token, body: { name: 'Shutdown Ward', code: 'SHUT' } });
    expect(dept.status).toBe(201);
    const issued = await api(first, 'POST', '/api/v1/tokens', { token, body: { departmentId: dept.body.id, patient: { name: 'Meera', phone: '+919822233344' } } });
    expect(issued.status).toBe(201);

    expect(await first.stop()).toBe(0);
    // A clean close checkpoints and removes the write-ahead log; a killed process leaves it behind.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const sqlite = new SQLite(file, { readonly: true });
    try {
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      sqlite.close();
    }

    const second = await start(env);
    expect(second.output()).not.toContain('First start');
    const again = await login(second, 'boss@clinic.test', TEST_PASSWORD);
    const kept = await api(second, 'GET', `/api/v1/tokens/${String(issued.body.id)}`, { token: again.accessToken });
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ number: issued.body.number, departmentId: dept.body.id });
    expect(await second.stop()).toBe(0);
  });

  it('without ADMIN_EMAIL prints a generated admin password once, and a second start makes no other admin', async () => {
    const { env } = sqliteEnv();
    const first = await start(env);
    const shown = /sign in as (\S+) with password (\S+)/.exec(first.output());
    expect(shown, first.output()).not.toBeNull();
    const [, email, password] = shown!;
    expect((await login(first, email!, password!)).user.role).toBe('admin');
    expect(await first.stop()).toBe(0);

    const second = await start(env);
    expect(second.output()).not.toContain(password!);
    expect(second.output()).not.toContain('First start');
    const again = await login(second, email!, password!);
    const users = await api(second, 'GET', '/api/v1/users', { token: again.accessToken });
    expect(users.body).toEqual([expect.objectContaining({ email, role: 'admin' })]);
    expect(await second.stop()).toBe(0);
  });
});
