import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startChildServer, type ChildServer } from '../../test/child-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { StaffSignIn, fetchCall } from '../../test/admin-sign-in.js';
import { TEST_PASSWORD, testEnv } from '../../test/test-app.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_EMAIL = 'admin@sessions.test';

interface Session {
  accessToken: string;
  refreshToken: string;
}

/**
 * Each instance keeps sessions in memory; ending one on instance A must reach B's memory through
 * the invalidation bus before anyone can use it there. B reads the session first, so it is cached.
 */
describe.each(DIALECTS)('sessions ended on one instance, on %s + Redis', (dialect) => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let a: ChildServer;
  let b: ChildServer;
  let users = 0;
  let adminSignIn: StaffSignIn;

  const post = (server: ChildServer, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/v1${path}`, {
      method: 'POST',
      headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  const me = async (server: ChildServer, session: Session) =>
    (await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${session.accessToken}` } })).status;

  async function login(server: ChildServer, email: string): Promise<Session> {
    const res = await post(server, '/auth/login', { email, password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    return (await res.json()) as Session;
  }

  /** A user of its own per test, signed in on A and already known (cached) on both instances. */
  async function signedInEverywhere(): Promise<{ email: string; session: Session }> {
    users += 1;
    const email = `user${users}@sessions.test`;
    const admin = await adminSignIn.signIn(ADMIN_EMAIL, TEST_PASSWORD);
    const created = await post(a, '/users', { email, name: `User ${users}`, role: 'receptionist', password: TEST_PASSWORD }, { authorization: `Bearer ${admin.accessToken}` });
    expect(created.status).toBe(201);
    const session = await login(a, email);
    expect([await me(a, session), await me(b, session)]).toEqual([200, 200]);
    return { email, session };
  }

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    env = testEnv(db, { REDIS_URL, ADMIN_EMAIL, ADMIN_PASSWORD: TEST_PASSWORD });
    a = await startChildServer(env);
    b = await startChildServer(env);
    adminSignIn = new StaffSignIn(fetchCall(a.url));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('refuses on B, from the next request, an access token whose session was logged out on A', async () => {
    const { session } = await signedInEverywhere();
    expect((await post(a, '/auth/logout', undefined, { authorization: `Bearer ${session.accessToken}` })).status).toBe(204);
    expect(await me(b, session)).toBe(401);
    expect(await me(a, session)).toBe(401);
  });

  it('refuses on both instances the sessions of a user whose password was reset from the command line', async () => {
    const { email, session } = await signedInEverywhere();
    const reset = await runCli(['reset-password', '--email', email, '--password', 'a brand new long passphrase'], env);
    expect(reset.code, reset.stderr).toBe(0);
    expect(await me(b, session)).toBe(401);
    expect(await me(a, session)).toBe(401);
  });

  it('refuses on B the access token of a session A ended because its refresh token was used twice', async () => {
    const { session } = await signedInEverywhere();
    const first = await post(a, '/auth/refresh', { refreshToken: session.refreshToken });
    expect(first.status).toBe(200);
    // The successor is used, so the grace window for two tabs is over: the old token is a copy.
    const successor = ((await first.json()) as { refreshToken: string }).refreshToken;
    expect((await post(a, '/auth/refresh', { refreshToken: successor })).status).toBe(200);
    expect((await post(a, '/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
    expect(await me(b, session)).toBe(401);
  });
});
