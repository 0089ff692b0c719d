import type { CounterAction } from '@smart-token/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { queueApi } from '../../test/queue-api.js';
import { ManualClock, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

describe.each(DIALECTS)('a counter’s own history on %s', (dialect) => {
  let t: TestApp;
  let api: ReturnType<typeof queueApi>;
  const clock = new ManualClock();

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
    api = queueApi(t);
  });
  afterAll(async () => t?.close());

  async function read<T>(counterId: string, what: 'last-action' | 'recent', role: 'doctor' | 'display' = 'doctor') {
    const res = await t.inject({ method: 'GET', url: `/api/v1/counters/${counterId}/${what}`, headers: await t.as(role) });
    return { res, body: res.statusCode === 200 ? res.json<T>() : undefined };
  }
  const lastAction = async (counterId: string) => (await read<CounterAction | null>(counterId, 'last-action')).body;
  const recent = async (counterId: string) => (await read<CounterAction[]>(counterId, 'recent')).body!;

  it('names the counter’s last change from the server, so undo works after a reload, and walks back after each undo', async () => {
    const dept = await t.department({ code: 'HIS', counters: 2 });
    const [room1, room2] = [dept.counters[0]!.id, dept.counters[1]!.id];
    expect(await lastAction(room1)).toBeNull();

    const a = await api.issue(dept.id);
    const b = await api.issue(dept.id);
    await api.callNext(room1);
    clock.advanceMinutes(1);
    expect(await lastAction(room1)).toMatchObject({ action: 'call', token: { id: a.id, status: 'called' }, undoable: true, by: 'Test doctor' });

    expect((await api.act(a.id, 'complete')).statusCode).toBe(200);
    clock.advanceMinutes(1);
    await api.callNext(room1);
    clock.advanceMinutes(1);
    // Another counter's work is not this counter's to undo.
    const c = await api.issue(dept.id);
    await api.callNext(room2);
    expect(await lastAction(room1)).toMatchObject({ action: 'call', token: { id: b.id } });
    expect(await lastAction(room2)).toMatchObject({ action: 'call', token: { id: c.id } });

    // Undo the call of b: the counter's last undoable change is now the completion of a.
    expect((await api.act(b.id, 'undo')).statusCode).toBe(200);
    expect(await lastAction(room1)).toMatchObject({ action: 'complete', token: { id: a.id, status: 'completed' }, undoable: true });
    expect((await api.act(a.id, 'undo')).statusCode).toBe(200);
    expect((await api.token(a.id)).status).toBe('called');
    // a's call is not its last change any more (the undo is): nothing older at this counter to undo.
    expect(await lastAction(room1)).toBeNull();
  });

  it('finds a park or a send-on, which leave the token with no counter', async () => {
    const dept = await t.department({ code: 'PRK', counters: 1 });
    const lab = await t.department({ code: 'LBB', counters: 1 });
    const room = dept.counters[0]!.id;
    const a = await api.issue(dept.id);
    const b = await api.issue(dept.id);
    await api.callNext(room);
    clock.advanceMinutes(1);
    expect((await api.act(a.id, 'park')).statusCode).toBe(200);
    expect(await lastAction(room)).toMatchObject({ action: 'park', token: { id: a.id, status: 'parked' }, undoable: true });
    clock.advanceMinutes(1);
    await api.callNext(room);
    clock.advanceMinutes(1);
    expect((await api.act(b.id, 'complete', { nextDepartmentId: lab.id })).statusCode).toBe(200);
    expect(await lastAction(room)).toMatchObject({ action: 'complete', token: { id: b.id, status: 'waiting', departmentId: lab.id } });
  });

  it('lists the patients the counter finished lately, latest first, and says whether each can still be called back', async () => {
    const dept = await t.department({ code: 'REC', counters: 1 });
    const room = dept.counters[0]!.id;
    const a = await api.issue(dept.id);
    const b = await api.issue(dept.id);
    const c = await api.issue(dept.id);
    await api.callNext(room);
    clock.advanceMinutes(1);
    expect((await api.act(a.id, 'complete')).statusCode).toBe(200);
    clock.advanceMinutes(1);
    await api.callNext(room);
    clock.advanceMinutes(1);
    expect((await api.act(b.id, 'no-show')).statusCode).toBe(200);
    clock.advanceMinutes(1);
    await api.callNext(room);

    const list = await recent(room);
    // c is at the counter now: not a past patient.
    expect(list.map((e) => [e.token.number, e.action, e.undoable])).toEqual([
      [b.number, 'no_show', true],
      [a.number, 'complete', true],
    ]);
    // Called back through undo: a is this counter's patient again and leaves the list.
    expect((await api.act(a.id, 'undo')).statusCode).toBe(200);
    expect((await recent(room)).map((e) => e.token.number)).toEqual([b.number]);
    expect((await api.token(c.id)).status).toBe('called');
  });

  it('answers 404 for an unknown counter, 400 for a malformed id and 403 to a display device', async () => {
    const dept = await t.department({ code: 'ERR', counters: 1 });
    const missing = await read('no-such-counter', 'last-action');
    expect(missing.res.statusCode).toBe(404);
    expect(problemOf(missing.res).code).toBe('NOT_FOUND');
    const bad = await read('bad%20id', 'recent');
    expect(bad.res.statusCode).toBe(400);
    expect(problemOf(bad.res).code).toBe('VALIDATION_FAILED');
    const device = await read(dept.counters[0]!.id, 'last-action', 'display');
    expect(device.res.statusCode).toBe(403);
    const anonymous = await t.inject({ method: 'GET', url: `/api/v1/counters/${dept.counters[0]!.id}/last-action` });
    expect(anonymous.statusCode).toBe(401);
  });
});
