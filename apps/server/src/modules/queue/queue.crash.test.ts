import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../../test/child-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { TEST_PASSWORD, nextPhone, testEnv } from '../../test/test-app.js';

const IN_FLIGHT = 60;
const KILL_AFTER = 30;

describe.each(DIALECTS)('a crash of the server process on %s', (dialect) => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let server: ChildServer | undefined;

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    env = { ...testEnv(db), ADMIN_EMAIL: 'admin@crash.test', ADMIN_PASSWORD: TEST_PASSWORD };
  });
  afterAll(async () => {
    await server?.kill9();
    await db.drop();
  });

  async function login(s: ChildServer): Promise<Record<string, string>> {
    const res = await fetch(`${s.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@crash.test', password: TEST_PASSWORD }),
    });
    return { authorization: `Bearer ${((await res.json()) as { accessToken: string }).accessToken}`, 'content-type': 'application/json' };
  }

  it('keeps every acknowledged token, with its number, across kill -9, and numbering follows on', async () => {
    server = await startChildServer(env);
    let headers = await login(server);
    const dept = (await (await fetch(`${server.url}/api/v1/departments`, { method: 'POST', headers, body: JSON.stringify({ code: 'CRA', name: 'Crash' }) })).json()) as { id: string };

    const acknowledged: { id: string; number: string }[] = [];
    const running = server;
    let killed: Promise<void> | undefined;
    await Promise.allSettled(
      Array.from({ length: IN_FLIGHT }, async () => {
        const res = await fetch(`${running.url}/api/v1/tokens`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ departmentId: dept.id, patient: { name: 'P', phone: nextPhone() } }),
        });
        if (res.status !== 201) throw new Error(`status ${res.status}`);
        const body = (await res.json()) as { id: string; number: string };
        acknowledged.push(body);
        if (acknowledged.length === KILL_AFTER) killed = running.kill9();
      }),
    );
    await killed;
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);

    server = await startChildServer(env);
    headers = await login(server);
    for (const token of acknowledged) {
      const res = await fetch(`${server.url}/api/v1/tokens/${token.id}`, { headers });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { number: string }).number).toBe(token.number);
    }
    const queue = (await (await fetch(`${server.url}/api/v1/departments/${dept.id}/queue?limit=1000`, { headers })).json()) as { waiting: { number: string }[] };
    const stored = queue.waiting.map((w) => Number(w.number.slice(4))).sort((x, y) => x - y);
    // Whatever committed is numbered 1..n without a hole; nothing acknowledged is missing.
    expect(stored).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    const next = await fetch(`${server.url}/api/v1/tokens`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ departmentId: dept.id, patient: { name: 'P', phone: nextPhone() } }),
    });
    expect(((await next.json()) as { number: string }).number).toBe(`CRA-${String(stored.length + 1).padStart(3, '0')}`);
  });
});
