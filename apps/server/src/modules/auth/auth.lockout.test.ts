import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../../test/child-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
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
    const env = testEnv(db, { ADMIN_EMAIL, ADMIN_PASSWORD: TEST_PASSWORD });
    a = await startChildServer(env);
    b = await startChildServer(env);
    const admin = (await (await login(a, ADMIN_EMAIL, TEST_PASSWORD)).json()) as { accessToken: string };
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

  it('checks at most 5 of 20 simultaneous wrong passwords split across both, refuses the rest with 429, and then refuses the right password too', async () => {
    const answers = await Promise.all(
      Array.from({ length: PARALLEL_GUESSES }, async (_, i) => {
        const res = await login(i % 2 === 0 ? a : b, TARGET_EMAIL, `wrong guess ${i}`);
        return { status: res.status, code: ((await res.json()) as { code?: string }).code };
      }),
    );
    const checked = answers.filter((r) => r.status === 401);
    const refused = answers.filter((r) => r.status === 429);
    expect(checked.length).toBeLessThanOrEqual(MAX_FAILURES);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.every((r) => r.code === 'INVALID_CREDENTIALS')).toBe(true);
    expect(refused.every((r) => r.code === 'RATE_LIMITED')).toBe(true);
    expect(checked.length + refused.length).toBe(PARALLEL_GUESSES);

    for (const server of [a, b]) {
      const right = await login(server, TARGET_EMAIL, TEST_PASSWORD);
      expect(right.status).toBe(429);
      expect(((await right.json()) as { code: string }).code).toBe('RATE_LIMITED');
    }
  });
});
