import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { ManualClock, nextPhone, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

type Dept = Awaited<ReturnType<TestApp['department']>>;
interface IssuedToken {
  id: string;
  number: string;
  statusKey: string;
  statusUrl: string;
}

const STATUS_FIELDS = ['departmentName', 'departmentNames', 'estimatedWait', 'number', 'peopleAhead', 'position', 'status', 'updatedAt'];
const CHECK_IN_FIELDS = ['estimatedWait', 'number', 'position', 'statusKey', 'statusUrl'];
const LOCK_MINUTES = 15;
const PATIENT = 'Asha Rao';
const DAY_MS = 24 * 60 * 60_000;
/**
 * 10:00 in Kolkata (04:30 UTC) on a day still to come. Access tokens are checked against the wall
 * clock, so a manual clock behind real time would sign tokens that are already expired.
 */
const tenInTheMorningAhead = () => Math.ceil(Date.now() / DAY_MS) * DAY_MS + (4 * 60 + 30) * 60_000;

function expectPublicHeaders(res: LightMyRequestResponse) {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
}

/** The problem body without its request id, which is the only part allowed to differ. */
function withoutRequestId(res: LightMyRequestResponse): string {
  const { requestId, ...rest } = res.json<{ requestId: string }>();
  expect(requestId).toBe(res.headers['x-request-id']);
  return JSON.stringify(rest);
}

describe.each(DIALECTS)('public endpoints on %s', (dialect) => {
  let t: TestApp;
  let gen: Dept;
  let kiosk: Dept;
  const clock = new ManualClock(tenInTheMorningAhead());

  beforeAll(async () => {
    // A huge multiplier lifts every per-minute limit; the lookup lockout must hold regardless.
    t = await startTestApp(dialect, { clock, env: { RATE_LIMIT_MULTIPLIER: '1000000' } });
    gen = await t.department({ code: 'GEN', name: 'General OPD', counters: 2, selfCheckIn: 'off' });
    kiosk = await t.department({ code: 'KIO', name: 'Walk-in Clinic', counters: 1, selfCheckIn: true });
  });
  afterAll(() => t.close());

  async function issue(departmentId: string, phone = nextPhone(), priority?: string) {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: await t.as('receptionist'),
      payload: { departmentId, patient: { name: PATIENT, phone }, ...(priority && { priority }) },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<IssuedToken>();
  }

  const lookup = (token: string, phoneLast4: string, remoteAddress = '127.0.0.1') =>
    t.inject({ method: 'POST', url: '/api/v1/public/status', payload: { token, phoneLast4 }, remoteAddress });

  async function call(tokenId: string, counterId: string) {
    const res = await t.inject({ method: 'POST', url: `/api/v1/tokens/${tokenId}/call`, headers: await t.as('doctor'), payload: { counterId } });
    expect(res.statusCode, res.body).toBe(200);
  }

  it('answers a lookup by number and last four digits with exactly the public status, and nothing private', async () => {
    const phone = '+91 98765 47391';
    const token = await issue(gen.id, phone);
    const res = await lookup(token.number, '7391');
    expect(res.statusCode, res.body).toBe(200);
    expectPublicHeaders(res);
    const status = res.json<Record<string, unknown>>();
    expect(Object.keys(status).sort()).toEqual(STATUS_FIELDS);
    expect(status).toMatchObject({ number: token.number, status: 'waiting', departmentName: 'General OPD', position: 1, peopleAhead: 0 });
    expect(status.estimatedWait).toEqual({ minMinutes: expect.any(Number), maxMinutes: expect.any(Number) });
    expect(new Date(String(status.updatedAt)).toISOString()).toBe(status.updatedAt);

    for (const secret of [PATIENT, 'Asha', '9876547391', '7391', token.id, gen.id, ...gen.counters.map((c) => c.id), token.statusKey]) {
      expect(res.body, secret).not.toContain(secret);
    }
    // The number is read however the patient types it.
    expect((await lookup(` ${token.number.toLowerCase()} `, '7391')).statusCode).toBe(200);
  });

  it('gives the department’s Hindi and Arabic names beside its name, so the page shows the patient’s language, and follows a rename', async () => {
    const named = await t.department({ code: 'ENT', name: 'ENT Clinic', counters: 1, names: { hi: 'ईएनटी क्लिनिक' } });
    const token = await issue(named.id);
    const read = async () => (await t.inject({ method: 'GET', url: `/api/v1/public/status/${token.statusKey}` })).json<Record<string, unknown>>();
    expect(await read()).toMatchObject({ departmentName: 'ENT Clinic', departmentNames: { hi: 'ईएनटी क्लिनिक' } });
    expect((await read()).departmentNames).not.toHaveProperty('ar');
    const res = await t.inject({ method: 'PATCH', url: `/api/v1/departments/${named.id}`, headers: await t.as('admin'), payload: { names: { hi: 'ईएनटी', ar: 'عيادة الأنف والأذن' } } });
    expect(res.statusCode, res.body).toBe(200);
    expect((await read()).departmentNames).toEqual({ hi: 'ईएनटी', ar: 'عيادة الأنف والأذن' });
    // A department without other names still sends the field, empty.
    expect((await lookup((await issue(gen.id, '+91 98765 47311')).number, '7311')).json<Record<string, unknown>>().departmentNames).toEqual({});
  });

  it('names the counter once the token is called, and still while it is served', async () => {
    const phone = nextPhone();
    const token = await issue(gen.id, phone);
    await call(token.id, gen.counters[1]!.id);

    const called = await lookup(token.number, phone.slice(-4));
    expect(called.statusCode, called.body).toBe(200);
    const status = called.json<Record<string, unknown>>();
    expect(Object.keys(status).sort()).toEqual([...STATUS_FIELDS, 'counterName'].sort());
    expect(status).toMatchObject({ status: 'called', counterName: gen.counters[1]!.name, position: null, peopleAhead: null, estimatedWait: null });
    expect(called.body).not.toContain(gen.counters[1]!.id);

    const start = await t.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/start`, headers: await t.as('doctor') });
    expect(start.statusCode).toBe(200);
    expect((await lookup(token.number, phone.slice(-4))).json()).toMatchObject({ status: 'serving', counterName: gen.counters[1]!.name });
  });

  it('gives wrong digits and an unknown number the same 404, byte for byte apart from the request id', async () => {
    const phone = nextPhone();
    const token = await issue(gen.id, phone);
    const wrongDigits = await lookup(token.number, phone.slice(-4) === '0000' ? '1111' : '0000');
    const unknownNumber = await lookup('GEN-987', phone.slice(-4));
    for (const res of [wrongDigits, unknownNumber]) {
      expect(res.statusCode).toBe(404);
      expect(problemOf(res).code).toBe('NOT_FOUND');
      expectPublicHeaders(res);
    }
    expect(withoutRequestId(wrongDigits)).toBe(withoutRequestId(unknownNumber));
    expect(wrongDigits.headers['content-type']).toBe(unknownNumber.headers['content-type']);
    expect(wrongDigits.headers['content-length']).toBe(unknownNumber.headers['content-length']);
  });

  it('locks a number for 15 minutes after 5 failures, whatever the address, despite the huge rate multiplier, and leaves other numbers alone', async () => {
    const phone = nextPhone();
    const target = await issue(gen.id, phone);
    const otherPhone = nextPhone();
    const other = await issue(gen.id, otherPhone);
    const wrong = phone.slice(-4) === '0000' ? '1111' : '0000';

    for (let i = 1; i <= 5; i++) {
      const res = await lookup(target.number, wrong, `10.0.0.${i}`);
      expect(res.statusCode, `attempt ${i}: ${res.body}`).toBe(404);
    }
    const locked = await lookup(target.number, phone.slice(-4), '192.0.2.77');
    expect(locked.statusCode).toBe(429);
    const problem = problemOf(locked);
    expect(problem.code).toBe('RATE_LIMITED');
    expect(problem.detail).toContain(target.number);
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LOCK_MINUTES * 60);
    expectPublicHeaders(locked);

    expect((await lookup(other.number, otherPhone.slice(-4), '10.0.0.1')).statusCode).toBe(200);

    clock.advanceMinutes(LOCK_MINUTES - 1);
    expect((await lookup(target.number, phone.slice(-4))).statusCode).toBe(429);
    clock.advanceMinutes(1);
    const again = await lookup(target.number, phone.slice(-4));
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json<{ number: string }>().number).toBe(target.number);
  });

  it('answers at most 5 of 20 parallel wrong guesses for one number; the rest, and then the right digits, are 429', async () => {
    const phone = nextPhone();
    const target = await issue(gen.id, phone);
    const right = phone.slice(-4);
    const guesses = Array.from({ length: 20 }, (_, i) => String(1000 + i)).filter((g) => g !== right);

    const results = await Promise.all(guesses.map((guess, i) => lookup(target.number, guess, `10.1.0.${i + 1}`)));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.every((s) => s === 404 || s === 429), statuses.join(',')).toBe(true);
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(5);
    expect((await lookup(target.number, right)).statusCode).toBe(429);
    clock.advanceMinutes(LOCK_MINUTES);
  });

  it('answers GET /public/status/:statusKey with the status, and 404 for an unknown key', async () => {
    const phone = nextPhone();
    const token = await issue(gen.id, phone);
    const res = await t.inject({ method: 'GET', url: `/api/v1/public/status/${token.statusKey}` });
    expect(res.statusCode, res.body).toBe(200);
    expectPublicHeaders(res);
    expect(Object.keys(res.json<object>()).sort()).toEqual(STATUS_FIELDS);
    expect(res.json()).toMatchObject({ number: token.number, status: 'waiting', departmentName: 'General OPD' });
    for (const secret of [PATIENT, phone.slice(-4), token.id, gen.id, token.statusKey]) expect(res.body, secret).not.toContain(secret);
    expect(token.statusUrl).toBe(`http://clinic.test/s/${token.statusKey}`);

    const unknown = await t.inject({ method: 'GET', url: `/api/v1/public/status/${'A'.repeat(43)}` });
    expect(unknown.statusCode).toBe(404);
    expect(problemOf(unknown).code).toBe('NOT_FOUND');
    expectPublicHeaders(unknown);
    // Refused by the router (Fastify's 100-character parameter limit) or by the schema; never looked up.
    const tooLong = await t.inject({ method: 'GET', url: `/api/v1/public/status/${'A'.repeat(200)}` });
    expect([400, 414]).toContain(tooLong.statusCode);
  });

  it('makes status keys of at least 128 bits and stores only their hash', async () => {
    const a = await issue(gen.id);
    const b = await issue(gen.id);
    for (const key of [a.statusKey, b.statusKey]) expect(key).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(a.statusKey).not.toBe(b.statusKey);

    const rows = await t.app.database.db.selectFrom('tokens').selectAll().where('id', 'in', [a.id, b.id]).execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const key = row.id === a.id ? a.statusKey : b.statusKey;
      for (const [column, value] of Object.entries(row)) expect(String(value), column).not.toContain(key);
      expect(Object.values(row)).toContain(createHash('sha256').update(key).digest('hex'));
    }
    // Nor anywhere else in the database.
    const db = t.app.database.db;
    for (const table of await db.introspection.getTables()) {
      const all = await db.selectFrom(table.name as 'tokens').selectAll().execute();
      const text = JSON.stringify(all);
      expect(text, table.name).not.toContain(a.statusKey);
      expect(text, table.name).not.toContain(b.statusKey);
    }
  });

  it('checks a patient in where the department allows it, and refuses with 403 where it does not', async () => {
    const phone = nextPhone();
    // The department takes self check-in at its kiosks: a signed-in kiosk here.
    const res = await t.inject({ method: 'POST', url: '/api/v1/public/check-in', headers: await t.as('kiosk'), payload: { departmentId: kiosk.id, name: 'Meera Das', phone } });
    expect(res.statusCode, res.body).toBe(201);
    expectPublicHeaders(res);
    const body = res.json<{ number: string; statusKey: string; statusUrl: string; position: number; estimatedWait: object }>();
    expect(Object.keys(body).sort()).toEqual(CHECK_IN_FIELDS);
    expect(body.number).toMatch(/^KIO-\d{3}$/);
    expect(body.position).toBeGreaterThanOrEqual(1);
    expect(body.statusKey).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(body.statusUrl).toBe(`http://clinic.test/s/${body.statusKey}`);
    expect(res.body).not.toContain(kiosk.id);
    expect(res.body).not.toContain('Meera');
    const byKey = await t.inject({ method: 'GET', url: `/api/v1/public/status/${body.statusKey}` });
    expect(byKey.json()).toMatchObject({ number: body.number, status: 'waiting', departmentName: 'Walk-in Clinic' });
    expect((await lookup(body.number, phone.slice(-4))).statusCode).toBe(200);

    const refused = await t.inject({ method: 'POST', url: '/api/v1/public/check-in', headers: await t.as('kiosk'), payload: { departmentId: gen.id, name: 'Meera Das', phone: nextPhone() } });
    expect(refused.statusCode).toBe(403);
    const problem = problemOf(refused);
    expect(problem.code).toBe('SELF_CHECK_IN_DISABLED');
    expect(problem.detail).toContain('General OPD');
    expect(problem.detail).toMatch(/reception/i);
  });

  it('shows the display board: now serving latest call first, next in call order, recent calls, and no patient data', async () => {
    const board = await t.department({ code: 'DSP', name: 'Board', counters: 2 });
    const phones = [nextPhone(), nextPhone(), nextPhone(), nextPhone()];
    const first = await issue(board.id, phones[0]);
    const second = await issue(board.id, phones[1]);
    const normal = await issue(board.id, phones[2]);
    const emergency = await issue(board.id, phones[3], 'emergency');
    // Emergency goes first: call the two normal heads by id to make the board predictable.
    await call(first.id, board.counters[0]!.id);
    clock.advanceMinutes(2);
    await call(second.id, board.counters[1]!.id);

    const res = await t.inject({ method: 'GET', url: `/api/v1/public/display?departmentId=${board.id}` });
    expect(res.statusCode, res.body).toBe(200);
    expectPublicHeaders(res);
    const display = res.json<{ nowServing: { number: string; counterName: string; calledAt: string }[]; next: string[]; recent: { number: string; counterName: string; calledAt: string }[] }>();
    expect(display.nowServing.map((n) => [n.number, n.counterName])).toEqual([
      [second.number, board.counters[1]!.name],
      [first.number, board.counters[0]!.name],
    ]);
    expect(Date.parse(display.nowServing[0]!.calledAt) - Date.parse(display.nowServing[1]!.calledAt)).toBe(2 * 60_000);
    expect(display.next).toEqual([emergency.number, normal.number]);
    expect(display.recent.map((r) => r.number)).toEqual([second.number, first.number]);
    for (const entry of [...display.nowServing, ...display.recent]) expect(Object.keys(entry).sort()).toEqual(['calledAt', 'counterName', 'number']);

    for (const secret of [PATIENT, 'Asha', ...phones.map((p) => p.slice(-4)), ...[first, second, normal, emergency].map((x) => x.id), board.id, ...board.counters.map((c) => c.id)]) {
      expect(res.body, secret).not.toContain(secret);
    }

    const unknown = await t.inject({ method: 'GET', url: '/api/v1/public/display?departmentId=no-such-department' });
    expect(unknown.statusCode).toBe(404);
    expect(problemOf(unknown).code).toBe('NOT_FOUND');
    expect((await t.inject({ method: 'GET', url: '/api/v1/public/display' })).statusCode).toBe(400);
  });

  it('does not find yesterday’s number today, by the clinic’s day (Asia/Kolkata), not UTC', async () => {
    // 23:50 in Kolkata is 18:20 UTC: twenty minutes later it is a new local day but the same UTC day.
    clock.set(Math.floor(clock.now() / DAY_MS) * DAY_MS + 2 * DAY_MS + (18 * 60 + 20) * 60_000);
    const checkIn = async (phone: string) =>
      t.inject({ method: 'POST', url: '/api/v1/public/check-in', headers: await t.as('kiosk'), payload: { departmentId: kiosk.id, name: 'Meera Das', phone } });
    const yesterdayPhone = nextPhone();
    const yesterday = (await checkIn(yesterdayPhone)).json<{ number: string }>();
    expect((await lookup(yesterday.number, yesterdayPhone.slice(-4))).statusCode).toBe(200);

    clock.advanceMinutes(20);
    expect((await lookup(yesterday.number, yesterdayPhone.slice(-4))).statusCode).toBe(404);

    const todayPhone = nextPhone();
    const today = (await checkIn(todayPhone)).json<{ number: string }>();
    expect(today.number).toBe(yesterday.number);
    expect((await lookup(today.number, todayPhone.slice(-4))).statusCode).toBe(200);
    expect((await lookup(yesterday.number, yesterdayPhone.slice(-4))).statusCode).toBe(404);
  });
});

describe.each(DIALECTS)('public rate limits on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { RATE_LIMIT_MULTIPLIER: '1' } });
  });
  afterAll(() => t.close());

  it('answers a caller past the per-minute limit with 429 problem+json and Retry-After, and no other caller', async () => {
    const url = `/api/v1/public/status/${'B'.repeat(43)}`;
    let limited: LightMyRequestResponse | undefined;
    for (let i = 0; i < 200 && !limited; i++) {
      const res = await t.inject({ method: 'GET', url, remoteAddress: '10.2.0.1' });
      if (res.statusCode === 429) limited = res;
      else expect(res.statusCode, res.body).toBe(404);
    }
    expect(limited, 'never limited').toBeDefined();
    const problem = problemOf(limited!);
    expect(problem.code).toBe('RATE_LIMITED');
    expect(problem.status).toBe(429);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    expectPublicHeaders(limited!);

    expect((await t.inject({ method: 'GET', url, remoteAddress: '10.2.0.2' })).statusCode).toBe(404);
  });
});
