import { hkdfSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { ManualClock, TEST_PASSWORD, nextPhone, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';
import { hkdfSha256OneBlock } from './idempotency.js';

type Dept = Awaited<ReturnType<TestApp['department']>>;
interface IssuedToken {
  id: string;
  number: string;
  status: string;
  statusKey: string;
}

const DAY_MS = 24 * 60 * 60_000;
/**
 * 10:00 in Kolkata (04:30 UTC) on a day still to come. Access tokens are checked against the wall
 * clock, so a manual clock behind real time would sign tokens that are already expired.
 */
const tenInTheMorningAhead = () => Math.ceil(Date.now() / DAY_MS) * DAY_MS + (4 * 60 + 30) * 60_000;

describe.each(DIALECTS)('Idempotency-Key on %s', (dialect) => {
  let t: TestApp;
  let gen: Dept;
  let keyCounter = 0;
  const clock = new ManualClock(tenInTheMorningAhead());
  /** A key no other test uses, so each test starts from a clean slate. */
  const freshKey = (label: string) => `${label}-${++keyCounter}-${dialect}`;

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
    gen = await t.department({ code: 'GEN', name: 'General OPD', counters: 2 });
  });
  afterAll(() => t.close());

  const db = () => t.app.database.db;

  async function tokensIn(departmentId: string): Promise<number> {
    const row = await db().selectFrom('tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('issued_department_id', '=', departmentId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function sequence(departmentId: string): Promise<number> {
    const rows = await db().selectFrom('daily_sequences').select('last_value').where('department_id', '=', departmentId).execute();
    return rows.reduce((sum, r) => sum + Number(r.last_value), 0);
  }

  async function issue(key: string | undefined, body: object, role: 'receptionist' | 'admin' = 'receptionist') {
    return t.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { ...(await t.as(role)), ...(key !== undefined && { 'idempotency-key': key }) },
      payload: body,
    });
  }

  /** A new session for the role's user (the helper's cached one ends when the clock jumps a day). */
  async function signIn(role: 'receptionist'): Promise<Record<string, string>> {
    await t.as(role);
    const res = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: `${role}@test.local`, password: TEST_PASSWORD } });
    expect(res.statusCode, res.body).toBe(200);
    return { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` };
  }

  const patientBody = (departmentId: string, phone = nextPhone()) => ({ departmentId, patient: { name: 'Asha Rao', phone } });

  it('answers a retried POST /tokens with the first response and issues one token', async () => {
    const dept = await t.department({ code: 'RTY', counters: 1 });
    const key = freshKey('retry');
    const body = patientBody(dept.id);

    const first = await issue(key, body);
    expect(first.statusCode, first.body).toBe(201);
    const second = await issue(key, body);
    expect(second.statusCode, second.body).toBe(201);

    const a = first.json<IssuedToken>();
    const b = second.json<IssuedToken>();
    expect(b).toEqual(a);
    expect(b.id).toBe(a.id);
    expect(b.number).toBe(a.number);
    expect(await tokensIn(dept.id)).toBe(1);
    expect(await sequence(dept.id)).toBe(1);

    // Without a key, the same body is a new patient.
    expect((await issue(undefined, body)).json<IssuedToken>().number).not.toBe(a.number);
    expect(await sequence(dept.id)).toBe(2);
  });

  it('refuses the same key with a different body with 422 IDEMPOTENCY_KEY_REUSED and writes nothing', async () => {
    const dept = await t.department({ code: 'REU', counters: 1 });
    const key = freshKey('reuse');
    const first = await issue(key, patientBody(dept.id));
    expect(first.statusCode, first.body).toBe(201);
    const keysBefore = await db().selectFrom('idempotency_keys').selectAll().execute();

    const other = await issue(key, patientBody(dept.id));
    expect(other.statusCode).toBe(422);
    const problem = problemOf(other);
    expect(problem.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(problem.detail).toMatch(/Idempotency-Key/);
    expect(await tokensIn(dept.id)).toBe(1);
    expect(await sequence(dept.id)).toBe(1);
    expect(await db().selectFrom('idempotency_keys').selectAll().execute()).toEqual(keysBefore);
  });

  it('issues one token for twenty parallel requests with the same key, and all get its answer', async () => {
    const dept = await t.department({ code: 'PAR', counters: 1 });
    const key = freshKey('parallel');
    const body = patientBody(dept.id);
    const headers = await t.as('receptionist');

    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.inject({ method: 'POST', url: '/api/v1/tokens', headers: { ...headers, 'idempotency-key': key }, payload: body })),
    );
    for (const res of results) expect(res.statusCode, res.body).toBe(201);
    expect(new Set(results.map((r) => r.json<IssuedToken>().id)).size).toBe(1);
    expect(await tokensIn(dept.id)).toBe(1);
    expect(await sequence(dept.id)).toBe(1);
  });

  it('keeps keys per user: another user sending the same key gets a token of their own', async () => {
    const dept = await t.department({ code: 'USR', counters: 1 });
    const key = freshKey('shared');
    const body = patientBody(dept.id);

    const mine = await issue(key, body, 'receptionist');
    const theirs = await issue(key, body, 'admin');
    expect(mine.statusCode, mine.body).toBe(201);
    expect(theirs.statusCode, theirs.body).toBe(201);
    expect(theirs.json<IssuedToken>().id).not.toBe(mine.json<IssuedToken>().id);
    expect(await tokensIn(dept.id)).toBe(2);
    // And each one's retry still finds their own answer.
    expect((await issue(key, body, 'admin')).json<IssuedToken>().id).toBe(theirs.json<IssuedToken>().id);
  });

  it('does not use up a key on a refused request: the corrected retry goes through', async () => {
    const key = freshKey('refused');
    const keysBefore = await db().selectFrom('idempotency_keys').selectAll().execute();
    const refused = await issue(key, patientBody('no-such-department'));
    expect(refused.statusCode).toBe(400);
    expect(await db().selectFrom('idempotency_keys').selectAll().execute()).toEqual(keysBefore);
    const corrected = await issue(key, patientBody(gen.id));
    expect(corrected.statusCode, corrected.body).toBe(201);
  });

  it('answers a retried call-next with the same token and leaves the next patient waiting', async () => {
    const dept = await t.department({ code: 'CNX', counters: 2 });
    const first = (await issue(undefined, patientBody(dept.id))).json<IssuedToken>();
    const second = (await issue(undefined, patientBody(dept.id))).json<IssuedToken>();
    const doctor = await t.as('doctor');
    const key = freshKey('call-next');
    const callNext = (counterId: string, k = key) =>
      t.inject({ method: 'POST', url: `/api/v1/counters/${counterId}/call-next`, headers: { ...doctor, 'idempotency-key': k } });

    const called = await callNext(dept.counters[0]!.id);
    expect(called.statusCode, called.body).toBe(200);
    const retried = await callNext(dept.counters[0]!.id);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toEqual(called.json());
    expect(called.json<{ token: IssuedToken }>().token.id).toBe(first.id);

    const next = await t.inject({ method: 'GET', url: `/api/v1/tokens/${second.id}`, headers: doctor });
    expect(next.json<{ status: string; position: number }>()).toMatchObject({ status: 'waiting', position: 1 });
    const calls = await db().selectFrom('token_transitions').select('id').where('token_id', '=', first.id).where('action', '=', 'call').execute();
    expect(calls).toHaveLength(1);

    // The same key at another counter is another request: it calls the next patient.
    const elsewhere = await callNext(dept.counters[1]!.id);
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);
    expect(elsewhere.json<{ token: IssuedToken }>().token.id).toBe(second.id);
  });

  it('answers a retried public check-in with the same number and status key', async () => {
    const kiosk = await t.department({ code: 'KIO', counters: 1, selfCheckIn: true });
    const key = freshKey('kiosk');
    const body = { departmentId: kiosk.id, name: 'Meera Das', phone: nextPhone() };
    const kioskHeaders = await t.as('kiosk');
    const checkIn = () => t.inject({ method: 'POST', url: '/api/v1/public/check-in', headers: { ...kioskHeaders, 'idempotency-key': key }, payload: body });

    const first = await checkIn();
    expect(first.statusCode, first.body).toBe(201);
    const again = await checkIn();
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(await tokensIn(kiosk.id)).toBe(1);

    const changed = await t.inject({ method: 'POST', url: '/api/v1/public/check-in', headers: { ...kioskHeaders, 'idempotency-key': key }, payload: { ...body, name: 'Someone Else' } });
    expect(changed.statusCode).toBe(422);
    expect(problemOf(changed).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('keeps neither the client’s key nor the token’s status key in the clear', async () => {
    const key = freshKey('secret-kiosk-key');
    const body = patientBody(gen.id);
    const res = await issue(key, body);
    expect(res.statusCode, res.body).toBe(201);
    const { statusKey } = res.json<IssuedToken>();
    const stored = JSON.stringify(await db().selectFrom('idempotency_keys').selectAll().execute());
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(statusKey);
    // …and the retry still answers with the status key the ticket prints.
    expect((await issue(key, body)).json<IssuedToken>().statusKey).toBe(statusKey);
  });

  it('refuses a key longer than 128 characters with 400 naming the header, and takes one of exactly 128', async () => {
    const long = await issue('k'.repeat(129), patientBody(gen.id));
    expect(long.statusCode).toBe(400);
    const problem = problemOf(long);
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors?.map((e) => e.path)).toContain('headers.idempotency-key');

    const empty = await issue('', patientBody(gen.id));
    expect(empty.statusCode).toBe(400);

    const exact = await issue(`${freshKey('x')}-`.padEnd(128, 'k'), patientBody(gen.id));
    expect(exact.statusCode, exact.body).toBe(201);

    for (const route of ['/api/v1/public/check-in', `/api/v1/counters/${gen.counters[0]!.id}/call-next`]) {
      const res = await t.inject({
        method: 'POST',
        url: route,
        headers: { ...(route.includes('counters') && (await t.as('doctor'))), 'idempotency-key': 'k'.repeat(129) },
        payload: route.includes('check-in') ? { departmentId: gen.id, name: 'Meera Das', phone: nextPhone() } : {},
      });
      expect(res.statusCode, `${route} ${res.body}`).toBe(400);
      expect(problemOf(res).errors?.map((e) => e.path)).toContain('headers.idempotency-key');
    }
  });

  it('remembers a key for 24 hours and forgets it after', async () => {
    const dept = await t.department({ code: 'OLD', counters: 1 });
    const key = freshKey('old');
    const body = patientBody(dept.id);
    const first = (await issue(key, body)).json<IssuedToken>();

    // A staff session lasts a working day: sign in again, as the same user, after the clock moves.
    clock.advance(DAY_MS - 60_000);
    let headers = { ...(await signIn('receptionist')), 'idempotency-key': key };
    expect((await t.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: body })).json<IssuedToken>().id).toBe(first.id);

    clock.advance(2 * 60_000);
    headers = { ...(await signIn('receptionist')), 'idempotency-key': key };
    const later = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: body });
    expect(later.statusCode, later.body).toBe(201);
    expect(later.json<IssuedToken>().id).not.toBe(first.id);
    expect(await tokensIn(dept.id)).toBe(2);
    // The new answer is the one remembered now.
    expect((await t.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: body })).json<IssuedToken>().id).toBe(later.json<IssuedToken>().id);
  });
});

describe('the seal key derivation', () => {
  it('gives the same key as HKDF-SHA-256 from node:crypto, so answers sealed before still open', () => {
    for (const [key, scope] of [['desk1-0001', 'user:u1|POST /api/v1/tokens|{}'], ['k'.repeat(128), 'caller|route|{"id":"x"}']] as const) {
      const expected = Buffer.from(hkdfSync('sha256', key, scope, 'smart-token idempotency v1', 32));
      expect(hkdfSha256OneBlock(key, scope, 'smart-token idempotency v1').equals(expected)).toBe(true);
    }
  });
});
