import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { startChildServer, type ChildServer } from '../../test/child-server.js';
import { StaffSignIn, fetchCall } from '../../test/admin-sign-in.js';
import { TEST_PASSWORD, nextPhone, startTestApp, testEnv, type TestApp } from '../../test/test-app.js';

const TOKENS = 300;
const WAITING = 25;
const COUNTERS = 8;
const CALLS = 40;

function expectGapFree(numbers: string[], code: string, count: number): void {
  const expected = Array.from({ length: count }, (_, i) => `${code}-${String(i + 1).padStart(3, '0')}`);
  expect([...numbers].sort()).toEqual(expected);
}

describe.each(DIALECTS)('concurrency in one server on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t.close());

  it(`${TOKENS} parallel POST /tokens to one department get numbers 001–${TOKENS} with no gap or repeat`, async () => {
    const d = await t.department({ code: 'PAR', counters: 0 });
    const headers = await t.as('receptionist');
    const responses = await Promise.all(
      Array.from({ length: TOKENS }, () =>
        t.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: { departmentId: d.id, patient: { name: 'P', phone: nextPhone() } } }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(TOKENS).fill(201));
    expectGapFree(responses.map((r) => r.json<{ number: string }>().number), 'PAR', TOKENS);
    const rows = await t.app.database.db.selectFrom('tokens').select('number').where('department_id', '=', d.id).execute();
    expectGapFree(rows.map((r) => r.number), 'PAR', TOKENS);
  });

  it(`${CALLS} parallel call-nexts from ${COUNTERS} counters over ${WAITING} waiting tokens hand each out exactly once`, async () => {
    const d = await t.department({ code: 'CAL', counters: COUNTERS });
    const reception = await t.as('receptionist');
    for (let i = 0; i < WAITING; i++) {
      await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: reception, payload: { departmentId: d.id, patient: { name: 'P', phone: nextPhone() } } });
    }
    const doctor = await t.as('doctor');
    const responses = await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        t.inject({ method: 'POST', url: `/api/v1/counters/${d.counters[i % COUNTERS]!.id}/call-next`, headers: doctor }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(CALLS).fill(200));
    const tokens = responses.map((r) => r.json<{ token: { id: string; number: string } | null }>().token);
    const called = tokens.filter((x) => x !== null);
    expect(called).toHaveLength(WAITING);
    expect(new Set(called.map((x) => x.id)).size).toBe(WAITING);
    expect(tokens.filter((x) => x === null)).toHaveLength(CALLS - WAITING);
    // Nobody skipped: called in arrival order, 001 to 025.
    expectGapFree(called.map((x) => x.number), 'CAL', WAITING);
    const calls = await t.app.database.db
      .selectFrom('token_transitions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('department_id', '=', d.id)
      .where('action', '=', 'call')
      .executeTakeFirstOrThrow();
    expect(Number(calls.n)).toBe(WAITING);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('two server processes on one PostgreSQL', () => {
  let db: TestDatabase;
  let a: ChildServer;
  let b: ChildServer;
  let headers: Record<string, string>;

  async function post(server: ChildServer, path: string, body?: unknown) {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method: 'POST',
      headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    db = await freshDatabase('postgres');
    const env = { ...testEnv(db), ADMIN_EMAIL: 'admin@two.test', ADMIN_PASSWORD: TEST_PASSWORD };
    a = await startChildServer(env);
    b = await startChildServer(env);
    const login = await new StaffSignIn(fetchCall(a.url)).signIn('admin@two.test', TEST_PASSWORD);
    headers = { authorization: `Bearer ${login.accessToken}` };
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it(`${TOKENS} POST /tokens split over both instances get 001–${TOKENS}, and ${CALLS} call-nexts hand out each token once`, async () => {
    const dept = (await post(a, '/departments', { code: 'TWO', name: 'Two instances' })).json as { id: string };
    const counters: string[] = [];
    for (let i = 0; i < COUNTERS; i++) counters.push(((await post(i % 2 ? a : b, '/counters', { departmentId: dept.id, name: `Room ${i}` })).json as { id: string }).id);

    const issued = await Promise.all(
      Array.from({ length: TOKENS }, (_, i) => post(i % 2 ? a : b, '/tokens', { departmentId: dept.id, patient: { name: 'P', phone: nextPhone() } })),
    );
    expect(issued.map((r) => r.status)).toEqual(Array(TOKENS).fill(201));
    expectGapFree(issued.map((r) => r.json.number as string), 'TWO', TOKENS);

    // Leave exactly WAITING tokens in the line, then race the call-nexts across both instances.
    const cancels = await Promise.all(issued.slice(0, TOKENS - WAITING).map((r, i) => post(i % 2 ? a : b, `/tokens/${r.json.id as string}/cancel`)));
    expect(cancels.every((r) => r.status === 200)).toBe(true);
    const stillWaiting = issued.slice(TOKENS - WAITING).map((r) => r.json.id as string);
    const calls = await Promise.all(Array.from({ length: CALLS }, (_, i) => post(i % 2 ? a : b, `/counters/${counters[i % COUNTERS]!}/call-next`)));
    expect(calls.map((r) => r.status)).toEqual(Array(CALLS).fill(200));
    const called = calls.map((r) => r.json.token as { id: string } | null).filter((x) => x !== null);
    expect(called).toHaveLength(WAITING);
    expect(new Set(called.map((x) => x.id))).toEqual(new Set(stillWaiting));
  });
});
