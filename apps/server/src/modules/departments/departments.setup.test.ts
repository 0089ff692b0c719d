import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../db/database.js';
import { loadConfig } from '../../config.js';
import { DIALECTS, freshDatabase } from '../../test/databases.js';
import { queueApi } from '../../test/queue-api.js';
import { ManualClock, problemOf, startTestApp, testEnv, type TestApp } from '../../test/test-app.js';
import { Migrator, type Kysely, type Migration } from 'kysely';
import * as queueCore from '../../db/migrations/2026_11_28_0100_queue_core.js';
import * as uniqueNames from '../../db/migrations/2026_12_02_0102_unique_setup_names.js';
import * as setupAdmin from '../../db/migrations/2026_12_02_0101_setup_admin.js';

describe.each(DIALECTS)('setting up departments and counters on %s', (dialect) => {
  let t: TestApp;
  let admin: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: new ManualClock() });
    admin = await t.as('admin');
  });
  afterAll(() => t.close());

  const send = (method: 'POST' | 'PATCH' | 'DELETE' | 'PUT' | 'GET', url: string, payload?: object) =>
    t.inject({ method, url: `/api/v1${url}`, headers: admin, ...(payload && { payload }) });

  it('marks the entry department, and says so in every list', async () => {
    const opd = await send('POST', '/departments', { code: 'OPD', name: 'General OPD', isEntry: true });
    expect(opd.statusCode).toBe(201);
    expect(opd.json()).toMatchObject({ code: 'OPD', isEntry: true, active: true, names: {} });
    const lab = (await send('POST', '/departments', { code: 'LBE', name: 'Lab (entry test)' })).json<{ id: string }>();
    expect(lab).toMatchObject({ isEntry: false });
    const listed = (await send('GET', '/departments')).json<{ code: string; isEntry: boolean }[]>();
    expect(listed.find((d) => d.code === 'OPD')?.isEntry).toBe(true);
    const patched = await send('PATCH', `/departments/${lab.id}`, { isEntry: true, names: { hi: 'प्रयोगशाला', ar: 'المختبر' } });
    expect(patched.json()).toMatchObject({ isEntry: true, names: { hi: 'प्रयोगशाला', ar: 'المختبر' } });
    expect((await send('GET', `/departments/${lab.id}`)).json()).toMatchObject({ isEntry: true, names: { hi: 'प्रयोगशाला', ar: 'المختبر' } });
  });

  it('refuses a second counter of the same name in a department, whatever its case or spaces, naming both', async () => {
    const gen = (await send('POST', '/departments', { code: 'GND', name: 'General Duplicates' })).json<{ id: string }>();
    expect((await send('POST', '/counters', { departmentId: gen.id, name: 'Room 1' })).statusCode).toBe(201);
    for (const name of ['Room 1', ' room  1 ', 'ROOM 1']) {
      const res = await send('POST', '/counters', { departmentId: gen.id, name });
      expect(res.statusCode, name).toBe(409);
      // The reason, for screens that say it in another language.
      expect(problemOf(res)).toMatchObject({ code: 'CONFLICT', detail: 'Counter “Room 1” already exists in General Duplicates.', errors: [{ path: 'body.name', message: 'already exists' }] });
    }
    // Another department may have its own Room 1.
    const other = (await send('POST', '/departments', { code: 'OTH', name: 'Other' })).json<{ id: string }>();
    expect((await send('POST', '/counters', { departmentId: other.id, name: 'Room 1' })).statusCode).toBe(201);
    // Renaming onto a taken name is refused the same way.
    const room2 = (await send('POST', '/counters', { departmentId: gen.id, name: 'Room 2' })).json<{ id: string }>();
    const rename = await send('PATCH', `/counters/${room2.id}`, { name: 'room 1' });
    expect(rename.statusCode).toBe(409);
    expect(problemOf(rename).detail).toBe('Counter “Room 1” already exists in General Duplicates.');
  });

  it('refuses a department whose name or code is taken, ignoring case', async () => {
    await send('POST', '/departments', { code: 'RAD', name: 'Radiology' });
    const byName = await send('POST', '/departments', { code: 'XRY', name: 'radiology' });
    expect(byName.statusCode).toBe(409);
    expect(problemOf(byName).detail).toBe('A department named “Radiology” already exists (code RAD).');
    const byCode = await send('POST', '/departments', { code: 'rad', name: 'X-ray' });
    expect(byCode.statusCode).toBe(409);
    expect(problemOf(byCode).detail).toBe('A department with code RAD already exists (Radiology).');
  });

  it('lets only one of two parallel creates of the same counter win', async () => {
    const dept = (await send('POST', '/departments', { code: 'PAR', name: 'Parallel' })).json<{ id: string }>();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => send('POST', '/counters', { departmentId: dept.id, name: i % 2 ? 'Desk A' : 'desk a' })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect((await send('GET', `/counters?departmentId=${dept.id}`)).json()).toHaveLength(1);
  });

  it('renames, deactivates and reactivates a department and a counter, and lists only active ones on request', async () => {
    const d = await t.department({ code: 'ACT', counters: 2 });
    const renamed = await send('PATCH', `/departments/${d.id}`, { name: 'Active Clinic', active: false });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Active Clinic', active: false });
    expect((await send('GET', '/departments?active=true')).json<{ id: string }[]>().map((x) => x.id)).not.toContain(d.id);
    expect((await send('PATCH', `/departments/${d.id}`, { active: true })).json()).toMatchObject({ active: true });

    const counter = d.counters[0]!;
    expect((await send('PATCH', `/counters/${counter.id}`, { name: 'Window 7', active: false })).json()).toMatchObject({ name: 'Window 7', active: false });
    expect((await send('GET', `/counters?departmentId=${d.id}&active=true`)).json<{ id: string }[]>().map((c) => c.id)).toEqual([d.counters[1]!.id]);
    // The queue's cached read sees the change at once.
    expect((await t.app.services.departments.findCounter(counter.id))?.name).toBe('Window 7');
  });

  it('keeps the counters in the order the admin sets, and refuses an order that leaves one out', async () => {
    const d = await t.department({ code: 'ORD', counters: 3 });
    const [a, b, c] = d.counters.map((x) => x.id) as [string, string, string];
    const names = async () => (await send('GET', `/counters?departmentId=${d.id}`)).json<{ name: string }[]>().map((x) => x.name);
    expect(await names()).toEqual(['Room 1', 'Room 2', 'Room 3']);
    const ordered = await send('PUT', `/departments/${d.id}/counter-order`, { counterIds: [c, a, b] });
    expect(ordered.statusCode).toBe(200);
    expect(await names()).toEqual(['Room 3', 'Room 1', 'Room 2']);
    expect((await t.app.services.departments.countersOf(d.id)).map((x) => x.name)).toEqual(['Room 3', 'Room 1', 'Room 2']);
    const partial = await send('PUT', `/departments/${d.id}/counter-order`, { counterIds: [c, a] });
    expect(partial.statusCode).toBe(400);
    expect(problemOf(partial).errors?.[0]?.path).toBe('body.counterIds');
    // Moving one up by its position works too.
    expect((await send('PATCH', `/counters/${b}`, { sortOrder: 0 })).statusCode).toBe(200);
    expect((await names())[0]).toBe('Room 2');
  });

  it('deletes a department or counter nothing refers to, and refuses one with tokens saying to deactivate it', async () => {
    const empty = await t.department({ code: 'DEL', counters: 1 });
    const withCounter = await send('DELETE', `/departments/${empty.id}`);
    expect(withCounter.statusCode).toBe(409);
    expect(problemOf(withCounter).detail).toBe('DEL department still has a counter; delete it first, or deactivate the department.');
    expect((await send('DELETE', `/counters/${empty.counters[0]!.id}`)).statusCode).toBe(204);
    expect((await send('DELETE', `/departments/${empty.id}`)).statusCode).toBe(204);
    expect((await send('GET', `/departments/${empty.id}`)).statusCode).toBe(404);
    expect(await t.app.services.departments.findDepartment(empty.id)).toBeUndefined();

    const used = await t.department({ code: 'USE', name: 'General OPD Used', counters: 1 });
    const q = queueApi(t);
    await q.issue(used.id);
    await q.callNext(used.counters[0]!.id);
    const dept = await send('DELETE', `/departments/${used.id}`);
    expect(dept.statusCode).toBe(409);
    expect(problemOf(dept).detail).toBe('General OPD Used has tokens; deactivate it instead.');
    expect(problemOf(dept).errors).toEqual([{ path: 'params.id', message: 'has tokens' }]);
    const counter = await send('DELETE', `/counters/${used.counters[0]!.id}`);
    expect(counter.statusCode).toBe(409);
    expect(problemOf(counter).detail).toBe('Room 1 has called patients; deactivate it instead.');
    // Its code is printed on tickets: it cannot change now, though the name can.
    const code = await send('PATCH', `/departments/${used.id}`, { code: 'NEW' });
    expect(code.statusCode).toBe(409);
    // A counter with a patient at it is neither moved nor deactivated under them.
    const busy = await send('PATCH', `/counters/${used.counters[0]!.id}`, { active: false });
    expect(busy.statusCode).toBe(409);
    expect(problemOf(busy).detail).toMatch(/^Room 1 has a patient now/);
    expect((await send('DELETE', `/departments/no-such-dept`)).statusCode).toBe(404);
  });

  it('issues no token into a deactivated department and lets no deactivated counter call, until reactivated', async () => {
    const q = queueApi(t);
    const d = await t.department({ code: 'OFF', name: 'Closed Clinic', counters: 2, selfCheckIn: true });
    const waiting = await q.issue(d.id);
    await send('PATCH', `/departments/${d.id}`, { active: false });
    const issue = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId: d.id, patient: { name: 'Late Patient', phone: '+919812345678' } } });
    expect(issue.statusCode).toBe(409);
    expect(problemOf(issue).detail).toBe('Closed Clinic is deactivated and takes no new tokens; choose another department.');
    // The department's kiosk (self check-in in kiosk mode needs one) is refused too.
    const checkIn = await t.inject({ method: 'POST', url: '/api/v1/public/check-in', headers: await t.as('kiosk'), payload: { departmentId: d.id, name: 'Kiosk Patient', phone: '+919812345679' } });
    expect(checkIn.statusCode).toBe(409);
    // Whoever already waits there is still served.
    expect((await q.callNext(d.counters[0]!.id))?.id).toBe(waiting.id);

    await send('PATCH', `/departments/${d.id}`, { active: true });
    await q.issue(d.id);
    await send('PATCH', `/counters/${d.counters[1]!.id}`, { active: false });
    const call = await t.inject({ method: 'POST', url: `/api/v1/counters/${d.counters[1]!.id}/call-next`, headers: await t.as('doctor') });
    expect(call.statusCode).toBe(409);
    expect(problemOf(call).detail).toBe('Room 2 is deactivated and cannot call patients; an admin can reactivate it.');
    await send('PATCH', `/counters/${d.counters[1]!.id}`, { active: true });
    expect(await q.callNext(d.counters[1]!.id)).not.toBeNull();
  });

  it('lets only an admin change or delete', async () => {
    const d = await t.department({ code: 'ROL', counters: 1 });
    for (const role of ['receptionist', 'doctor'] as const) {
      const headers = await t.as(role);
      expect((await t.inject({ method: 'PATCH', url: `/api/v1/departments/${d.id}`, headers, payload: { name: 'X' } })).statusCode).toBe(403);
      expect((await t.inject({ method: 'DELETE', url: `/api/v1/counters/${d.counters[0]!.id}`, headers })).statusCode).toBe(403);
    }
  });
});

describe.each(DIALECTS)('the unique-names migration on %s', (dialect) => {
  it('renames older duplicates so the unique index can build, keeping every row', async () => {
    const test = await freshDatabase(dialect);
    const config = loadConfig(testEnv(test));
    const database = createDatabase(config.database);
    try {
      // Up to the migration before the names became unique, with duplicates as older versions allowed.
      const before: Record<string, Migration> = { '2026_11_28_0100_queue_core': queueCore, '2026_12_02_0101_setup_admin': setupAdmin };
      const db = database.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
      await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest();
      const dept = (id: string, code: string, name: string, at: number) =>
        db.insertInto('departments').values({ id, code, name, self_check_in: 0, max_wait_minutes: 45, max_recalls: 3, park_return_after: 3, created_at: at }).execute();
      await dept('d1', 'GEN', 'General', 1);
      await dept('d2', 'GEX', 'general', 2);
      const counter = (id: string, name: string, at: number) => db.insertInto('counters').values({ id, department_id: 'd1', name, created_at: at }).execute();
      await counter('c1', 'Room 1', 1);
      await counter('c2', 'Room 1', 2);
      await counter('c3', 'Room 1 (2)', 3);
      await uniqueNames.up(db);
      const names = await db.selectFrom('counters').select(['id', 'name']).orderBy('id').execute();
      expect(names).toEqual([
        { id: 'c1', name: 'Room 1' },
        { id: 'c2', name: 'Room 1 (3)' },
        { id: 'c3', name: 'Room 1 (2)' },
      ]);
      expect(await db.selectFrom('departments').select(['id', 'name']).orderBy('id').execute()).toEqual([
        { id: 'd1', name: 'General' },
        { id: 'd2', name: 'general (2)' },
      ]);
      await expect(counter('c4', 'ROOM 1', 4)).rejects.toThrow();
    } finally {
      await database.close();
      await test.drop();
    }
  });
});
