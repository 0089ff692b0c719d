import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { ManualClock, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';
import { queueApi } from '../../test/queue-api.js';

describe.each(DIALECTS)('queue order and actions on %s', (dialect) => {
  let t: TestApp;
  let api: ReturnType<typeof queueApi>;
  const clock = new ManualClock(Date.parse('2026-11-28T10:00:00Z'));

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
    api = queueApi(t);
  });
  afterAll(() => t.close());

  it('lists the waiting line in exactly the order call-next takes it, with the reason', async () => {
    const d = await t.department({ code: 'ORD', counters: 1, maxWaitMinutes: 45 });
    const oldNormal = await api.issue(d.id);
    clock.advanceMinutes(50);
    const normal = await api.issue(d.id);
    clock.advanceMinutes(1);
    const priority = await api.issue(d.id, 'priority');
    clock.advanceMinutes(1);
    const emergency = await api.issue(d.id, 'emergency');
    clock.advanceMinutes(1);
    const normal2 = await api.issue(d.id);

    const queue = await api.queue(d.id);
    expect(queue.waiting.map((w) => [w.id, w.reason])).toEqual([
      [emergency.id, 'emergency'],
      [oldNormal.id, 'waited 53 min > 45'],
      [priority.id, 'priority'],
      [normal.id, 'arrival order'],
      [normal2.id, 'arrival order'],
    ]);
    expect(queue.waiting.map((w) => w.position)).toEqual([1, 2, 3, 4, 5]);
    expect(queue.waitingCount).toBe(5);
    // Each token's own place (counted from its lane) agrees with the list.
    for (const w of queue.waiting) expect((await api.token(w.id)).position).toBe(w.position);

    const called: string[] = [];
    for (let i = 0; i < 5; i++) called.push((await api.callNext(d.counters[0]!.id))!.id);
    expect(called).toEqual(queue.waiting.map((w) => w.id));
    expect(await api.callNext(d.counters[0]!.id)).toBeNull();
  });

  it('gives each new token its place and a wait range that grows with the line', async () => {
    const d = await t.department({ code: 'POS', counters: 1 });
    const first = await api.issue(d.id);
    const second = await api.issue(d.id);
    const urgent = await api.issue(d.id, 'priority');
    expect([first.position, second.position, urgent.position]).toEqual([1, 2, 1]);
    expect(second.estimatedWait.minMinutes).toBeGreaterThanOrEqual(first.estimatedWait.minMinutes);
    expect((await api.token(second.id)).position).toBe(3);
  });

  it('brings a parked token back after parkReturnAfter other calls, ahead of the line', async () => {
    const d = await t.department({ code: 'PRK', counters: 1, parkReturnAfter: 2 });
    const parkedOne = await api.issue(d.id);
    const others = [await api.issue(d.id), await api.issue(d.id), await api.issue(d.id)];
    expect((await api.callNext(d.counters[0]!.id))!.id).toBe(parkedOne.id);
    expect((await api.act(parkedOne.id, 'park')).json().token.status).toBe('parked');
    expect((await api.queue(d.id)).parked.map((p) => p.id)).toEqual([parkedOne.id]);

    expect((await api.callNext(d.counters[0]!.id))!.id).toBe(others[0]!.id);
    expect((await api.token(parkedOne.id)).status).toBe('parked');
    expect((await api.callNext(d.counters[0]!.id))!.id).toBe(others[1]!.id);
    const queue = await api.queue(d.id);
    expect(queue.waiting.map((w) => [w.id, w.reason])).toEqual([
      [parkedOne.id, 'returned after park'],
      [others[2]!.id, 'arrival order'],
    ]);
    expect((await api.callNext(d.counters[0]!.id))!.id).toBe(parkedOne.id);
  });

  it('turns a token into no_show when recalled past maxRecalls', async () => {
    const d = await t.department({ code: 'RCL', counters: 1, maxRecalls: 2 });
    const token = await api.issue(d.id);
    await api.callNext(d.counters[0]!.id);
    expect((await api.act(token.id, 'recall')).json().token.recallCount).toBe(1);
    expect((await api.act(token.id, 'recall')).json().token.recallCount).toBe(2);
    const third = await api.act(token.id, 'recall');
    expect(third.json().token.status).toBe('no_show');
    expect((await api.token(token.id)).history.at(-1)).toMatchObject({ action: 'recall', toStatus: 'no_show', reason: 'no answer after 2 recalls' });
  });

  it('undoes the last transition only, restoring the place in the line', async () => {
    const d = await t.department({ code: 'UND', counters: 1 });
    const a = await api.issue(d.id);
    const b = await api.issue(d.id);
    const fresh = await api.act(a.id, 'undo');
    expect(problemOf(fresh).code).toBe('INVALID_TRANSITION');

    await api.callNext(d.counters[0]!.id);
    const undone = await api.act(a.id, 'undo');
    expect(undone.statusCode).toBe(200);
    expect(undone.json().token).toMatchObject({ status: 'waiting', position: 1 });
    expect(undone.json().token.counterId).toBeUndefined();
    expect((await api.queue(d.id)).waiting.map((w) => w.id)).toEqual([a.id, b.id]);
    expect(problemOf(await api.act(a.id, 'undo')).detail).toContain(a.number);
  });

  it('undoing a completion puts the token back and forgets that service time', async () => {
    const d = await t.department({ code: 'UNC', counters: 1 });
    const a = await api.issue(d.id);
    await api.callNext(d.counters[0]!.id);
    await api.act(a.id, 'start');
    await api.act(a.id, 'complete');
    const undone = await api.act(a.id, 'undo');
    expect(undone.json().token.status).toBe('serving');
    const services = await t.app.database.db.selectFrom('services').selectAll().where('department_id', '=', d.id).execute();
    expect(services).toEqual([]);
  });

  it('keeps the number when a token is transferred, and refuses a transfer to where it already waits', async () => {
    const from = await t.department({ code: 'TRA', counters: 1 });
    const to = await t.department({ code: 'TRB', counters: 1 });
    const token = await api.issue(from.id);
    const moved = await api.act(token.id, 'transfer', { departmentId: to.id });
    expect(moved.json().token).toMatchObject({ number: token.number, departmentId: to.id, status: 'waiting', position: 1 });
    expect(problemOf(await api.act(token.id, 'transfer', { departmentId: to.id })).code).toBe('INVALID_TRANSITION');
    expect((await api.callNext(to.counters[0]!.id))!.number).toBe(token.number);
  });

  it('numbers tokens per department and starts again at 001 on the next local day', async () => {
    const a = await t.department({ code: 'DAYA', counters: 1 });
    const b = await t.department({ code: 'DAYB', counters: 1 });
    clock.set(Date.parse('2026-11-28T18:00:00Z')); // 23:30 in Asia/Kolkata
    expect((await api.issue(a.id)).number).toBe('DAYA-001');
    expect((await api.issue(a.id)).number).toBe('DAYA-002');
    expect((await api.issue(b.id)).number).toBe('DAYB-001');
    clock.set(Date.parse('2026-11-28T18:31:00Z')); // 00:01 the next day there
    expect((await api.issue(a.id)).number).toBe('DAYA-001');
  });

  it('estimates from the department’s recent service times and counters at work', async () => {
    const d = await t.department({ code: 'EST', counters: 1 });
    for (let i = 0; i < 6; i++) {
      const token = await api.issue(d.id);
      await api.callNext(d.counters[0]!.id);
      clock.advanceMinutes(20);
      await api.act(token.id, 'complete');
    }
    clock.advanceMinutes(1); // past the statistics cache
    await api.issue(d.id);
    await api.issue(d.id);
    const third = await api.issue(d.id);
    expect(third.position).toBe(3);
    expect(third.estimatedWait).toEqual({ minMinutes: 40, maxMinutes: 60 });
  });

  /** Waiting tokens per `department/lane`, as the kept counts say and as the tokens themselves say. */
  async function laneCounts(): Promise<{ kept: Map<string, number>; actual: Map<string, number> }> {
    const db = t.app.database.db;
    const actual = await db
      .selectFrom('tokens')
      .select(['department_id', 'lane', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'waiting')
      .groupBy(['department_id', 'lane'])
      .execute();
    const kept = await db.selectFrom('queue_lane_counts').selectAll().where('waiting', '!=', 0).execute();
    const key = (d: string, l: number) => `${d}/${l}`;
    return {
      kept: new Map(kept.map((k) => [key(k.department_id, k.lane), Number(k.waiting)])),
      actual: new Map(actual.map((a) => [key(a.department_id, a.lane), Number(a.n)])),
    };
  }

  it('keeps the per-lane waiting counts equal to the tokens actually waiting, whatever happened', async () => {
    // Its own traffic through every way into and out of the line (issue, call, park and return, undo,
    // cancel, transfer, send on), so the counts compared are never two empty maps.
    const d = await t.department({ code: 'CNT', counters: 2, parkReturnAfter: 1 });
    const o = await t.department({ code: 'CNO', counters: 1 });
    const [c0, c1] = [d.counters[0]!.id, d.counters[1]!.id];
    async function expectCountsTrue(step: string): Promise<Map<string, number>> {
      const { kept, actual } = await laneCounts();
      expect(kept, `kept counts after ${step}`).toEqual(actual);
      return actual;
    }
    const ok = async (request: ReturnType<typeof api.act>) => {
      const res = await request;
      expect(res.statusCode, res.body).toBe(200);
    };

    const [n1, n2, n3] = [await api.issue(d.id), await api.issue(d.id), await api.issue(d.id)];
    const p = await api.issue(d.id, 'priority');
    const e = await api.issue(d.id, 'emergency');
    await expectCountsTrue('issue');
    await ok(api.act(p.id, 'call', { counterId: c0 }));
    await ok(api.act(p.id, 'park'));
    await expectCountsTrue('call and park');
    expect((await api.callNext(c0))!.id).toBe(e.id); // …and brings the parked one back
    expect((await api.token(p.id)).status).toBe('waiting');
    await expectCountsTrue('call-next with a return');
    await ok(api.act(e.id, 'undo'));
    await ok(api.act(n3.id, 'cancel'));
    await expectCountsTrue('undo and cancel');
    await ok(api.act(n2.id, 'transfer', { departmentId: o.id }));
    expect((await api.callNext(c1))!.id).toBe(e.id);
    await ok(api.act(e.id, 'start'));
    await ok(api.act(e.id, 'complete', { nextDepartmentId: o.id }));
    await expectCountsTrue('transfer and send on');
    await ok(api.act(n2.id, 'undo'));
    const actual = await expectCountsTrue('undo of a transfer');

    const mine = new Map([...actual].filter(([k]) => k.startsWith(`${d.id}/`) || k.startsWith(`${o.id}/`)));
    expect(mine).toEqual(
      new Map([
        [`${d.id}/1`, 2], // n1, n2 (back from the transfer)
        [`${d.id}/3`, 1], // p, returned after park
        [`${o.id}/4`, 1], // e, sent on
      ]),
    );
    // The line reads the counts too: it agrees with them.
    const line = await api.queue(d.id);
    expect(line.waiting.map((w) => w.id)).toEqual([p.id, n1.id, n2.id]);
    expect(line.waitingCount).toBe(3);
  });
});
