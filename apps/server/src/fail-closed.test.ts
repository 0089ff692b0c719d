import type { Role } from '@smart-token/contracts';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthService } from './modules/auth/auth.service.js';
import { authPlugin } from './modules/auth/auth.plugin.js';
import { DIALECTS } from './test/databases.js';
import { problemOf, startTestApp, type TestApp } from './test/test-app.js';

const ALL: readonly Role[] = ['admin', 'receptionist', 'doctor', 'display', 'kiosk'];
const ADMIN: readonly Role[] = ['admin'];
const QUEUE: readonly Role[] = ['admin', 'receptionist', 'doctor'];

/**
 * Who may call each staff operation, written out here rather than imported, so a route that changes
 * its roles or a new route without an entry fails this test until someone decides.
 */
const STAFF_OPERATIONS: Record<string, readonly Role[]> = {
  'GET /api/v1/auth/me': ALL,
  'GET /api/v1/auth/sessions': ALL,
  'DELETE /api/v1/auth/sessions/{id}': ALL,
  'POST /api/v1/auth/logout-all': ALL,
  'POST /api/v1/auth/password': ALL,
  'PATCH /api/v1/users/{id}': ADMIN,
  'POST /api/v1/users/{id}/unlock': ADMIN,
  'POST /api/v1/users/{id}/reset-password': ADMIN,
  'GET /api/v1/users/{id}/sessions': ADMIN,
  'DELETE /api/v1/users/{id}/sessions': ADMIN,
  'POST /api/v1/users': ADMIN,
  'GET /api/v1/users': ADMIN,
  'POST /api/v1/departments': ADMIN,
  'GET /api/v1/departments': ALL,
  'GET /api/v1/departments/{id}': ALL,
  'PATCH /api/v1/departments/{id}': ADMIN,
  'DELETE /api/v1/departments/{id}': ADMIN,
  'PUT /api/v1/departments/{id}/counter-order': ADMIN,
  'PATCH /api/v1/counters/{id}': ADMIN,
  'DELETE /api/v1/counters/{id}': ADMIN,
  'GET /api/v1/settings/branding': ADMIN,
  'PUT /api/v1/settings/branding': ADMIN,
  'GET /api/v1/settings/status-address': ADMIN,
  'GET /api/v1/settings/access': ADMIN,
  'PUT /api/v1/settings/access': ADMIN,
  'POST /api/v1/auth/2fa/setup': QUEUE,
  'POST /api/v1/auth/2fa/enable': QUEUE,
  'GET /api/v1/departments/{id}/join-code': ['admin', 'receptionist'],
  'POST /api/v1/devices': ADMIN,
  'GET /api/v1/devices': ADMIN,
  'GET /api/v1/devices/me': ['display', 'kiosk'],
  'DELETE /api/v1/devices/{id}': ADMIN,
  'POST /api/v1/devices/{id}/pairing-code': ADMIN,
  'GET /api/v1/admin/security/events': ADMIN,
  'GET /api/v1/admin/audit': ADMIN,
  'GET /api/v1/admin/audit/export': ADMIN,
  'POST /api/v1/admin/audit/search': ADMIN,
  'GET /api/v1/reports/today': ADMIN,
  'POST /api/v1/counters': ADMIN,
  'GET /api/v1/counters': ALL,
  'POST /api/v1/tokens': QUEUE,
  'GET /api/v1/tokens/{id}': QUEUE,
  'GET /api/v1/tokens/{id}/messages': QUEUE,
  'GET /api/v1/notifications/settings': ADMIN,
  'PUT /api/v1/notifications/gateway': ADMIN,
  'PATCH /api/v1/departments/{id}/notifications': ADMIN,
  'GET /api/v1/notifications/templates': ADMIN,
  'PUT /api/v1/notifications/templates': ADMIN,
  'DELETE /api/v1/notifications/templates/{trigger}/{language}': ADMIN,
  'POST /api/v1/notifications/templates/preview': ADMIN,
  'POST /api/v1/notifications/test': ADMIN,
  'GET /api/v1/notifications/messages': ADMIN,
  'POST /api/v1/notifications/messages/{id}/retry': ADMIN,
  'GET /api/v1/departments/{id}/queue': QUEUE,
  'POST /api/v1/counters/{id}/call-next': QUEUE,
  'POST /api/v1/counters/{id}/complete-and-call-next': QUEUE,
  'POST /api/v1/tokens/{id}/call': QUEUE,
  'POST /api/v1/tokens/{id}/recall': QUEUE,
  'POST /api/v1/tokens/{id}/start': QUEUE,
  'POST /api/v1/tokens/{id}/complete': QUEUE,
  'POST /api/v1/tokens/{id}/transfer': QUEUE,
  'POST /api/v1/tokens/{id}/park': QUEUE,
  'POST /api/v1/tokens/{id}/no-show': QUEUE,
  'POST /api/v1/tokens/{id}/cancel': QUEUE,
  'POST /api/v1/tokens/{id}/undo': QUEUE,
  'POST /api/v1/live/ticket': ALL,
  'GET /api/v1/departments/{id}/board': ['admin', 'receptionist', 'doctor', 'display'],
  'GET /api/v1/departments/{id}/board-settings': ['admin', 'receptionist', 'doctor', 'display'],
  'PUT /api/v1/departments/{id}/board-settings': ADMIN,
  'GET /api/v1/counters/{id}/last-action': QUEUE,
  'GET /api/v1/counters/{id}/recent': QUEUE,
  'POST /api/v1/patients/search': ['admin', 'receptionist'],
  'GET /api/v1/patients/phone-format': ['admin', 'receptionist', 'doctor', 'kiosk'],
  'POST /api/v1/tokens/search': QUEUE,
  'POST /api/v1/tokens/{id}/reprint': QUEUE,
};

/** Needs no login, per API.md: public/, login, refresh, logout, the health checks and the live socket (patients subscribe without one). */
function isPublic(method: string, path: string): boolean {
  if (path.startsWith('/api/v1/public/')) return true;
  if (method === 'GET' && path === '/api/v1/live') return true;
  if (method === 'POST' && ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout'].includes(path)) return true;
  return method === 'GET' && (path === '/healthz' || path === '/readyz');
}

const MADE_UP_ID = 'no-such-id-0000';
const JUNK_BODY = '{"this is": not json';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

describe.each(DIALECTS)('fail-closed authorization on %s', (dialect) => {
  let t: TestApp;
  let operations: { method: string; path: string }[];

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const doc = (await t.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })));
    for (const role of ALL) await t.as(role);
  });
  afterAll(() => t.close());

  const staffOperations = () => operations.filter((op) => !isPublic(op.method, op.path));
  /** A loop over the published operations proves nothing if they went missing: every entry must be among them. */
  const expectEveryStaffOperation = () => expect(staffOperations().map((op) => `${op.method} ${op.path}`)).toEqual(expect.arrayContaining(Object.keys(STAFF_OPERATIONS)));

  function call(op: { method: string; path: string }, headers: Record<string, string>) {
    const url = op.path.replace(/\{[^}]+\}/g, MADE_UP_ID);
    const withBody = WRITES.has(op.method);
    return t.inject({
      method: op.method as 'GET',
      url,
      headers: { ...headers, ...(withBody && { 'content-type': 'application/json' }) },
      ...(withBody && { payload: JUNK_BODY }),
    });
  }

  it('has an explicit role entry for every operation that is not public', () => {
    expect(operations.length).toBeGreaterThan(20);
    const missing = staffOperations().map((op) => `${op.method} ${op.path}`).filter((key) => !(key in STAFF_OPERATIONS));
    expect(missing).toEqual([]);
  });

  it('has no entry for an operation the API no longer publishes', () => {
    const published = new Set(operations.map((op) => `${op.method} ${op.path}`));
    expect(Object.keys(STAFF_OPERATIONS).filter((key) => !published.has(key))).toEqual([]);
  });

  it('answers every staff operation without credentials with 401 UNAUTHENTICATED before reading the body', async () => {
    const wrong: string[] = [];
    expectEveryStaffOperation();
    for (const op of staffOperations()) {
      const res = await call(op, {});
      const ok = res.statusCode === 401 && String(res.headers['content-type']).startsWith('application/problem+json') && res.json().code === 'UNAUTHENTICATED';
      if (!ok) wrong.push(`${op.method} ${op.path} → ${res.statusCode} ${res.body}`);
    }
    expect(wrong).toEqual([]);
  });

  it('guards the HEAD twin of every staff GET as closely as the GET', async () => {
    const wrong: string[] = [];
    const gets = staffOperations().filter((op) => op.method === 'GET');
    for (const op of gets) {
      const url = op.path.replace(/\{[^}]+\}/g, MADE_UP_ID);
      const res = await t.inject({ method: 'HEAD', url });
      if (res.statusCode !== 401) wrong.push(`HEAD ${op.path} → ${res.statusCode}`);
    }
    expect(gets.length).toBeGreaterThan(5);
    expect(wrong).toEqual([]);
  });

  it('answers every staff operation with a made-up bearer token with 401 before reading the body', async () => {
    const wrong: string[] = [];
    expectEveryStaffOperation();
    for (const op of staffOperations()) {
      const res = await call(op, { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl' });
      if (res.statusCode !== 401) wrong.push(`${op.method} ${op.path} → ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers every staff operation with 403 FORBIDDEN for each role not in its entry, before reading the body', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const op of staffOperations()) {
      for (const role of ALL.filter((r) => !STAFF_OPERATIONS[`${op.method} ${op.path}`]?.includes(r))) {
        checked += 1;
        const res = await call(op, await t.as(role));
        if (res.statusCode !== 403 || problemOf(res).code !== 'FORBIDDEN') wrong.push(`${role}: ${op.method} ${op.path} → ${res.statusCode} ${res.body}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(Object.values(STAFF_OPERATIONS).reduce((n, roles) => n + ALL.length - roles.length, 0));
  });

  it('lets each role in an entry past authorization (neither 401 nor 403, and no 5xx)', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const op of staffOperations()) {
      for (const role of STAFF_OPERATIONS[`${op.method} ${op.path}`] ?? []) {
        checked += 1;
        const res = await call(op, await t.as(role));
        if ([401, 403].includes(res.statusCode) || res.statusCode >= 500) wrong.push(`${role}: ${op.method} ${op.path} → ${res.statusCode} ${res.body}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(Object.values(STAFF_OPERATIONS).reduce((n, roles) => n + roles.length, 0));
  });

  it('lets the public operations answer without credentials', async () => {
    const wrong: string[] = [];
    const publicOperations = operations.filter((o) => isPublic(o.method, o.path) && o.path !== '/api/v1/auth/refresh');
    expect(publicOperations.map((op) => `${op.method} ${op.path}`)).toEqual(expect.arrayContaining(['POST /api/v1/auth/login', 'POST /api/v1/public/status', 'POST /api/v1/public/check-in']));
    for (const op of publicOperations) {
      const res = await call(op, {});
      if (res.statusCode === 401 && res.json().code === 'UNAUTHENTICATED') wrong.push(`${op.method} ${op.path}`);
      if (res.statusCode === 403 || res.statusCode >= 500) wrong.push(`${op.method} ${op.path} → ${res.statusCode} ${res.body}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('the route guard', () => {
  async function startWith(config: Record<string, unknown> | undefined, path = '/new-thing') {
    const app = Fastify();
    await app.register(authPlugin, { auth: {} as AuthService, jwtSecret: new Uint8Array(32) });
    await app.register(
      async (api) => {
        api.get(path, { ...(config && { config }) }, async () => 'ok');
      },
      { prefix: '/api/v1' },
    );
    try {
      await app.ready();
    } finally {
      await app.close();
    }
  }

  it('refuses to start an app with an /api/v1 route that the role matrix does not name, whatever the route declares', async () => {
    await expect(startWith(undefined)).rejects.toThrow(/GET \/api\/v1\/new-thing is not in the role matrix/);
    await expect(startWith({ roles: ['admin'] })).rejects.toThrow(/is not in the role matrix/);
    await expect(startWith({ public: true })).rejects.toThrow(/is not in the role matrix/);
  });

  it('starts when the role matrix names the route, or it lives under /api/v1/public/', async () => {
    await expect(startWith(undefined, '/reports/today')).resolves.toBeUndefined();
    await expect(startWith(undefined, '/public/new-thing')).resolves.toBeUndefined();
  });
});
