import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../../test/child-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { StaffSignIn, fetchCall } from '../../test/admin-sign-in.js';
import { TEST_PASSWORD, testEnv } from '../../test/test-app.js';

const ADMIN_EMAIL = 'admin@lockout.test';
const TARGET_EMAIL = 'target@lockout.test';
const PARALLEL_GUESSES = 20;
const MAX_FAILURES = 5;

/**
 * Two processes of the built server on one database (PostgreSQL; on SQLite, two processes on one
 * file): the login lockout is a security rule, so it must hold across instances, not per process.
 */
describe.each(DIALECTS)('the login lockout across two instances on %s', (dialect) => {
  let db: TestDatabase;
  let a: ChildServer;
  let b: ChildServer;

  const login = (server: ChildServer, email: string, password: string) =>
    fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    // Warnings are logged: each failed or locked sign-in is one security line, which the test counts.
    const env = testEnv(db, { ADMIN_EMAIL, ADMIN_PASSWORD: TEST_PASSWORD, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' });
    a = await startChildServer(env);
    b = await startChildServer(env);
    const admin = await new StaffSignIn(fetchCall(a.url)).signIn(ADMIN_EMAIL, TEST_PASSWORD);
    const created = await fetch(`${a.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: TARGET_EMAIL, name: 'Target', role: 'receptionist', password: TEST_PASSWORD }),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  /** How many sign-ins for the target each server checked against the hash, and refused as locked. */
  function outcomes() {
    const lines = (a.output() + b.output()).split('\n').filter((line) => line.includes('"security login.'));
    return { checked: lines.filter((l) => l.includes('"security login.failed"')).length, locked: lines.filter((l) => l.includes('"security login.locked"')).length };
  }

  it('checks at most 5 of 20 simultaneous wrong passwords split across both, refuses the rest as locked with the same answer, and then the right password too', async () => {
    const answers = await Promise.all(
      Array.from({ length: PARALLEL_GUESSES }, async (_, i) => {
        const res = await login(i % 2 === 0 ? a : b, TARGET_EMAIL, `wrong guess ${i}`);
        return { status: res.status, code: ((await res.json()) as { code?: string }).code };
      }),
    );
    expect(answers.every((r) => r.status === 401 && r.code === 'INVALID_CREDENTIALS')).toBe(true);
    await expect.poll(() => outcomes().checked + outcomes().locked).toBe(PARALLEL_GUESSES);
    expect(outcomes().checked).toBeLessThanOrEqual(MAX_FAILURES);
    expect(outcomes().checked).toBeGreaterThan(0);

    for (const server of [a, b]) {
      const right = await login(server, TARGET_EMAIL, TEST_PASSWORD);
      expect(right.status).toBe(401);
      expect(((await right.json()) as { code: string }).code).toBe('INVALID_CREDENTIALS');
    }
    await expect.poll(() => outcomes().locked).toBe(PARALLEL_GUESSES - outcomes().checked + 2);
  });
});
