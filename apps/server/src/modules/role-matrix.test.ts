import { spawnSync } from 'node:child_process';
import { ROLES, type Role } from '@smart-token/contracts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config.js';
import { CLI_ENTRY } from '../test/child-server.js';
import { DIALECTS, freshDatabase } from '../test/databases.js';
import { startTestApp, testEnv, type TestApp } from '../test/test-app.js';
import { PUBLIC_PREFIX, PUBLIC_ROUTES, ROLE_MATRIX, accessOf } from './role-matrix.js';

type Caller = Role | 'anonymous';
const CALLERS: readonly Caller[] = [...ROLES, 'anonymous'];
const MADE_UP_ID = 'no-such-id-0000';
const JUNK_BODY = '{"not json';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Routes the OpenAPI document leaves out on purpose (a stream, the document itself): checked by hasRoute instead. */
const UNDOCUMENTED = new Set(['GET /api/v1/setup/events', 'GET /api/openapi.json']);

/** An OpenAPI path (`/tokens/{id}`) as Fastify spells the route (`/tokens/:id`). */
const routeUrl = (openApiPath: string) => openApiPath.replace(/\{([^}]+)\}/g, ':$1');

interface Operation {
  method: string;
  path: string;
  key: string;
  roles: readonly Role[] | 'public' | undefined;
  xRoles: unknown;
  description: unknown;
}

describe.each(DIALECTS)('the role matrix on %s', (dialect) => {
  let t: TestApp;
  let operations: Operation[];

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const doc = (await t.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, { 'x-roles'?: unknown; description?: unknown }>> }>();
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([m, op]) => {
        const method = m.toUpperCase();
        const access = accessOf(method, routeUrl(path));
        return { method, path, key: `${method} ${routeUrl(path)}`, roles: access && (access.public ? 'public' : access.roles), xRoles: op['x-roles'], description: op.description };
      }),
    );
    for (const role of ROLES) await t.as(role);
  });
  afterAll(() => t.close());

  function call(op: Operation, caller: Caller) {
    const withBody = WRITES.has(op.method);
    return (async () =>
      t.inject({
        method: op.method as 'GET',
        url: op.path.replace(/\{[^}]+\}/g, MADE_UP_ID),
        headers: { ...(caller !== 'anonymous' && (await t.as(caller))), ...(withBody && { 'content-type': 'application/json' }) },
        ...(withBody && { payload: JUNK_BODY }),
      }))();
  }

  it('has a rule for every operation the API publishes', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.filter((op) => op.roles === undefined).map((op) => op.key)).toEqual([]);
  });

  it('has a route for every row of the table', () => {
    const missing = [...Object.keys(ROLE_MATRIX), ...PUBLIC_ROUTES].filter((key) => {
      const [method, url] = key.split(' ') as [string, string];
      return !t.app.hasRoute({ method: method, url });
    });
    expect(missing).toEqual([]);
    const documented = new Set(operations.map((op) => op.key));
    expect(Object.keys(ROLE_MATRIX).filter((key) => !documented.has(key) && !UNDOCUMENTED.has(key))).toEqual([]);
  });

  it('prints each operation’s roles in the document, as x-roles and a "Roles:" line', () => {
    const wrong = operations.filter((op) => {
      const expected = op.roles === 'public' ? [] : op.roles;
      const line = op.roles === 'public' ? 'Roles: public (no sign-in).' : `Roles: ${(op.roles ?? []).join(', ')}.`;
      return JSON.stringify(op.xRoles) !== JSON.stringify(expected) || typeof op.description !== 'string' || !op.description.endsWith(line);
    });
    expect(wrong.map((op) => `${op.key}: ${JSON.stringify(op.xRoles)} ${String(op.description)}`)).toEqual([]);
  });

  // Allowed: neither 401 nor 403 (the junk body makes it a 400, a made-up id a 404). Denied: 403 for a
  // signed-in role, 401 for nobody. Both from the table, for every operation and every caller.
  it('lets every staff operation through for the roles in its row and refuses every other caller', async () => {
    const wrong: string[] = [];
    let allowed = 0;
    let denied = 0;
    for (const op of operations) {
      if (op.roles === 'public' || op.roles === undefined) continue;
      for (const caller of CALLERS) {
        const res = await call(op, caller);
        const body = res.statusCode === 401 || res.statusCode === 403 ? (res.json<{ code?: string }>().code ?? '') : '';
        if (caller === 'anonymous') {
          denied += 1;
          if (res.statusCode !== 401 || body !== 'UNAUTHENTICATED') wrong.push(`anonymous ${op.key} → ${res.statusCode} (expected 401)`);
        } else if (op.roles.includes(caller)) {
          allowed += 1;
          if (res.statusCode === 401 || res.statusCode === 403 || res.statusCode >= 500) wrong.push(`${caller} ${op.key} → ${res.statusCode} ${res.body} (expected allowed)`);
        } else {
          denied += 1;
          if (res.statusCode !== 403 || body !== 'FORBIDDEN') wrong.push(`${caller} ${op.key} → ${res.statusCode} ${body} (expected 403 FORBIDDEN)`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(allowed).toBeGreaterThan(100);
    expect(denied).toBeGreaterThan(100);
  });

  it('answers the public operations without sign-in', async () => {
    const publicOps = operations.filter((op) => op.roles === 'public');
    expect(publicOps.map((op) => op.key)).toEqual(expect.arrayContaining(['POST /api/v1/auth/login', 'POST /api/v1/public/status']));
    const wrong: string[] = [];
    for (const op of publicOps) {
      if (!op.path.startsWith(PUBLIC_PREFIX) && !PUBLIC_ROUTES.includes(op.key)) wrong.push(`${op.key} is public without being listed`);
      const res = await call(op, 'anonymous');
      if (res.statusCode === 401 && res.json<{ code?: string }>().code === 'UNAUTHENTICATED' && op.key !== 'POST /api/v1/auth/refresh' && op.key !== 'POST /api/v1/auth/logout') {
        wrong.push(`${op.key} asked for a sign-in`);
      }
      if (res.statusCode >= 500) wrong.push(`${op.key} → ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('a route missing from the role matrix', () => {
  it('makes buildApp refuse to start', async () => {
    vi.resetModules();
    // The same table without one row: the route it named is now a route the table does not know.
    vi.doMock('./role-matrix.js', async (importOriginal) => {
      const original = await importOriginal<typeof import('./role-matrix.js')>();
      return { ...original, accessOf: (method: string, url: string) => (method === 'GET' && url === '/api/v1/reports/today' ? undefined : original.accessOf(method, url)) };
    });
    try {
      const { buildApp } = await import('../app.js');
      const db = await freshDatabase(DIALECTS[0] ?? 'sqlite');
      try {
        await expect(buildApp(loadConfig(testEnv(db)), { logger: false })).rejects.toThrow('Route GET /api/v1/reports/today is not in the role matrix (modules/role-matrix.ts) and is not public: refusing to start.');
      } finally {
        await db.drop();
      }
    } finally {
      vi.doUnmock('./role-matrix.js');
      vi.resetModules();
    }
  });
});

describe('npm run cli -- roles', () => {
  it('prints every row of the table with a mark per role, and the public routes, without settings or a database', () => {
    const run = spawnSync(process.execPath, [CLI_ENTRY, 'roles'], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual(['route', ...ROLES]);
    for (const [route, roles] of Object.entries(ROLE_MATRIX)) {
      const line = lines.find((l) => l.startsWith(`${route} `));
      expect(line?.slice(route.length).trim().split(/\s+/), route).toEqual(ROLES.map((role) => (roles.includes(role) ? 'x' : '.')));
    }
    for (const route of PUBLIC_ROUTES) expect(lines).toContain(`  ${route}`);
  });
});
