import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../app.js';
import { loadConfig } from '../../config.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { ManualClock, TEST_PASSWORD, nextPhone, testEnv } from '../../test/test-app.js';
import { compareCallOrder } from './call-order.js';
import * as repo from './queue.repository.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ACTIONS = 2000;

/** A small deterministic generator, so a failure can be replayed with the same seed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// PostgreSQL instances share events through Redis; SQLite instances on one file have no Redis, so
// each learns of the other's changes from the outbox relay's poll alone.
describe.each(DIALECTS)('the in-memory line on two instances on %s', (dialect) => {
  let db: TestDatabase;
  let apps: App[] = [];
  const clock = new ManualClock();
  const headers: Record<string, string>[] = [];
  const departments: { id: string; counters: string[] }[] = [];

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    const env = testEnv(db, { ADMIN_EMAIL: 'admin@line.test', ADMIN_PASSWORD: TEST_PASSWORD, ...(dialect === 'postgres' && { REDIS_URL }) });
    const first = await buildApp(loadConfig(env), { logger: false, clock });
    apps = [first, await buildApp(loadConfig(env), { logger: false, clock })];
    for (const code of ['LNA', 'LNB']) {
      const dept = await first.services.departments.createDepartment({ name: `${code} clinic`, code, maxWaitMinutes: 30 });
      const counters = [];
      for (const name of ['Room 1', 'Room 2']) counters.push((await first.services.departments.createCounter({ departmentId: dept.id, name })).id);
      departments.push({ id: dept.id, counters });
      // Both lines are in memory from the start, so the mix below keeps them by events alone.
      for (const app of apps) expect(await app.services.queue.line.ready(dept.id)).toBeDefined();
    }
    // A doctor acts only in their departments: this one works in both.
    await first.services.users.createUser({ email: 'doctor@line.test', name: 'Dr Line', role: 'doctor', password: TEST_PASSWORD, departmentIds: departments.map((d) => d.id) });
    await signIn();
  });
  /** Access tokens last 30 minutes of the manual clock: sign in again as the mix moves it on. */
  async function signIn() {
    headers.length = 0;
    for (const app of apps) {
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'doctor@line.test', password: TEST_PASSWORD } });
      expect(login.statusCode, login.body).toBe(200);
      headers.push({ authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` });
    }
  }

  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
  });

  it('after 2,000 random actions, both instances’ lines equal the database’s, place by place', async () => {
    const rand = random(20261201);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const tokens: string[] = [];
    const outcomes = new Map<number, number>();
    let signedInAt = clock.now();
    for (let i = 0; i < ACTIONS; i++) {
      if (clock.now() - signedInAt > 20 * 60_000) {
        await signIn();
        signedInAt = clock.now();
      }
      const at = Math.floor(rand() * apps.length);
      const app = apps[at]!;
      const dept = pick(departments);
      const r = rand();
      // About 50 minutes in all: the first tokens wait past the 30-minute limit and age into the priority lane.
      clock.advance(Math.floor(rand() * 3_000));
      let res;
      if (r < 0.4 || tokens.length === 0) {
        const priority = pick(['normal', 'normal', 'normal', 'normal', 'priority', 'emergency'] as const);
        res = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: headers[at]!, payload: { departmentId: dept.id, priority, patient: { name: `P${i}`, phone: nextPhone() } } });
        if (res.statusCode === 201) tokens.push(res.json<{ id: string }>().id);
      } else if (r < 0.55) {
        res = await app.inject({ method: 'POST', url: `/api/v1/counters/${pick(dept.counters)}/call-next`, headers: headers[at]! });
      } else if (r < 0.6) {
        res = await app.inject({ method: 'POST', url: `/api/v1/counters/${pick(dept.counters)}/complete-and-call-next`, headers: headers[at]! });
      } else {
        const action = pick(['recall', 'start', 'complete', 'park', 'park', 'no-show', 'cancel', 'transfer', 'undo', 'undo'] as const);
        const other = departments.find((d) => d.id !== dept.id)!;
        const payload = action === 'transfer' ? { departmentId: pick([dept.id, other.id]) } : action === 'complete' && rand() < 0.3 ? { nextDepartmentId: other.id } : undefined;
        res = await app.inject({ method: 'POST', url: `/api/v1/tokens/${pick(tokens)}/${action}`, headers: headers[at]!, ...(payload && { payload }) });
      }
      outcomes.set(res.statusCode, (outcomes.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, res.body).toBeLessThan(500);
    }
    // The mix did real work: most actions succeeded, some were refused as illegal transitions.
    expect((outcomes.get(200) ?? 0) + (outcomes.get(201) ?? 0)).toBeGreaterThan(ACTIONS / 2);
    expect(outcomes.get(409) ?? 0).toBeGreaterThan(0);

    for (const dept of departments) {
      const committed = (await repo.readLine(apps[0]!.database, dept.id)).seq;
      const rows = (await repo.readLine(apps[0]!.database, dept.id)).rows;
      const maxWait = (await apps[0]!.services.departments.findDepartment(dept.id))!.max_wait_minutes;
      const rules = { now: clock.now(), maxWaitMinutes: maxWait };
      const expected = rows
        .map((t) => ({ id: t.id, lane: t.lane, queuedAt: t.queued_at }))
        .sort((a, b) => compareCallOrder(a, b, rules))
        .map((t) => t.id);
      expect(expected.length).toBeGreaterThan(10);
      for (const app of apps) {
        // Events from the other instance arrive through Redis or the relay's 1 s poll.
        await expect.poll(() => app.services.queue.line.seqOf(dept.id), { timeout: 5000 }).toBe(committed);
        const line = app.services.queue.line.current(dept.id);
        expect(line, 'the line is current (not being read again)').toBeDefined();
        expect(line!.head(expected.length + 10, rules).map((e) => e.id)).toEqual(expected);
        for (const [index, id] of expected.entries()) expect(line!.peopleAhead(id, rules)).toBe(index);
        // And what the API answers matches the database's own count for a few places.
        for (const id of [expected[0]!, expected[Math.floor(expected.length / 2)]!, expected[expected.length - 1]!]) {
          const row = rows.find((t) => t.id === id)!;
          const dbAhead = await repo.countAhead(app.database.db, dept.id, { id, lane: row.lane, queuedAt: row.queued_at }, rules);
          expect(dbAhead).toBe(expected.indexOf(id));
        }
      }
    }
  }, 240_000);
});
