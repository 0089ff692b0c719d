import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../app.js';
import { loadConfig } from '../../config.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { StaffSignIn, injectCall } from '../../test/admin-sign-in.js';
import { TEST_PASSWORD, testEnv } from '../../test/test-app.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Far below the cache's 60 s TTL: a read that turns fresh within it was invalidated. */
const INVALIDATION_WAIT_MS = 1000;

/**
 * Two instances on one database and one Redis: what one changes, the other reads as soon as Redis
 * delivers the invalidation, not after the cache's TTL (a minute). Both apps share this process's
 * event loop, so B's copy of the message may still be unread when A's answer is: the reads on B
 * poll for up to a second instead of assuming it was handled first (across processes, the next
 * request's own network hop is far longer; auth.sessions.test.ts checks that case).
 */
describe.each(DIALECTS)('the departments and counters cache on %s + Redis', (dialect) => {
  let db: TestDatabase;
  let a: App;
  let b: App;
  let admin: Record<string, string>;

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    const config = loadConfig(testEnv(db, { REDIS_URL }));
    a = await buildApp(config, { logger: false });
    b = await buildApp(config, { logger: false });
    await a.services.users.createUser({ email: 'admin@departments.test', name: 'Admin', role: 'admin', password: TEST_PASSWORD });
    const login = await new StaffSignIn(injectCall(a.inject.bind(a))).signIn('admin@departments.test', TEST_PASSWORD);
    admin = { authorization: `Bearer ${login.accessToken}` };
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  async function department(code: string): Promise<{ id: string }> {
    const res = await a.inject({ method: 'POST', url: '/api/v1/departments', headers: admin, payload: { code, name: `${code} clinic` } });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  async function counter(departmentId: string, name: string): Promise<{ id: string }> {
    const res = await a.inject({ method: 'POST', url: '/api/v1/counters', headers: admin, payload: { departmentId, name } });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  it('serves repeated reads of a department and a counter from memory', async () => {
    const dept = await department('MEM');
    const room = await counter(dept.id, 'Room 1');
    const first = await b.services.departments.findDepartment(dept.id);
    expect(first).toMatchObject({ id: dept.id, code: 'MEM', name: 'MEM clinic' });
    expect(await b.services.departments.findDepartment(dept.id)).toBe(first);
    const row = await b.services.departments.findCounter(room.id);
    expect(await b.services.departments.findCounter(room.id)).toBe(row);
    expect(await b.services.departments.counterName(room.id)).toBe('Room 1');
  });

  it('answers undefined for a department or counter that does not exist', async () => {
    expect(await b.services.departments.findDepartment('no-such-department')).toBeUndefined();
    expect(await b.services.departments.findCounter('no-such-counter')).toBeUndefined();
    expect(await b.services.departments.counterName('no-such-counter')).toBeUndefined();
    expect(await b.services.departments.countersOf('no-such-department')).toEqual([]);
  });

  it('reads on B a department renamed on A as soon as the invalidation arrives', async () => {
    const dept = await department('REN');
    expect((await b.services.departments.findDepartment(dept.id))?.name).toBe('REN clinic');
    expect((await b.inject({ method: 'GET', url: `/api/v1/departments/${dept.id}`, headers: admin })).json()).toMatchObject({ name: 'REN clinic' });

    const patched = await a.inject({ method: 'PATCH', url: `/api/v1/departments/${dept.id}`, headers: admin, payload: { name: 'Renamed clinic', maxRecalls: 7 } });
    expect(patched.statusCode).toBe(200);

    await expect.poll(() => b.services.departments.findDepartment(dept.id), { timeout: INVALIDATION_WAIT_MS }).toMatchObject({ name: 'Renamed clinic', max_recalls: 7 });
    expect((await b.inject({ method: 'GET', url: `/api/v1/departments/${dept.id}`, headers: admin })).json()).toMatchObject({ name: 'Renamed clinic' });
    expect((await a.services.departments.findDepartment(dept.id))?.name).toBe('Renamed clinic');
  });

  it("lists on B a counter added on A to B's cached department as soon as the invalidation arrives", async () => {
    const dept = await department('CNT');
    await counter(dept.id, 'Room 2');
    expect((await b.services.departments.countersOf(dept.id)).map((c) => c.name)).toEqual(['Room 2']);

    // A new counter goes last: the admin's order, not the alphabet.
    const added = await counter(dept.id, 'Room 1');
    await expect
      .poll(async () => (await b.services.departments.countersOf(dept.id)).map((c) => c.name), { timeout: INVALIDATION_WAIT_MS })
      .toEqual(['Room 2', 'Room 1']);
    expect(await b.services.departments.counterName(added.id)).toBe('Room 1');
  });

  it('serves a board its settings from memory, and reads on B the ticker an admin set on A as soon as the invalidation arrives', async () => {
    const dept = await department('BRD');
    const first = await b.services.display.settings(dept.id);
    expect(first).toMatchObject({ ticker: '', tileFadeMinutes: 10, updatedAt: null });
    // The same frozen object: the second read did not go to the database.
    expect(await b.services.display.settings(dept.id)).toBe(first);

    const put = await a.inject({ method: 'PUT', url: `/api/v1/departments/${dept.id}/board-settings`, headers: admin, payload: { ticker: 'Flu shots at desk 4', tileFadeMinutes: 2 } });
    expect(put.statusCode, put.body).toBe(200);
    await expect.poll(() => b.services.display.settings(dept.id), { timeout: INVALIDATION_WAIT_MS }).toMatchObject({ ticker: 'Flu shots at desk 4', tileFadeMinutes: 2 });
    const board = await b.inject({ method: 'GET', url: `/api/v1/departments/${dept.id}/board`, headers: admin });
    expect(board.json()).toMatchObject({ ticker: 'Flu shots at desk 4', tileFadeMinutes: 2 });
  });
});
