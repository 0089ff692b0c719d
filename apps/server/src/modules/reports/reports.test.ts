import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { queueApi } from '../../test/queue-api.js';
import { ManualClock, startTestApp, type TestApp } from '../../test/test-app.js';
import { percentile } from './reports.service.js';

describe.each(DIALECTS)("today's report on %s", (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.parse('2026-11-28T04:30:00Z'));
  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
  });
  afterAll(() => t.close());

  const today = async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/reports/today', headers: await t.as('admin') });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Record<string, unknown> & { departments: Record<string, unknown>[]; counters: Record<string, unknown>[] }>();
  };

  it('counts nothing before the first token', async () => {
    expect(await today()).toMatchObject({ day: '2026-11-28', issued: 0, waitingNow: 0, served: 0, noShows: 0, averageWaitMinutes: null, p90WaitMinutes: null, departments: [], counters: [] });
  });

  it('counts tokens issued, waiting, served per counter and no-shows, with the average and 90th-percentile wait', async () => {
    const q = queueApi(t);
    const d = await t.department({ code: 'REP', counters: 2 });
    const room1 = d.counters[0]!;
    const room2 = d.counters[1]!;
    const tokens = [];
    for (let i = 0; i < 5; i++) tokens.push(await q.issue(d.id));
    clock.advanceMinutes(10);
    const first = await q.callNext(room1.id); // waited 10 min
    expect((await q.act(first!.id, 'complete')).statusCode).toBe(200);
    clock.advanceMinutes(10);
    const second = await q.callNext(room2.id); // 20 min
    expect((await q.act(second!.id, 'complete')).statusCode).toBe(200);
    clock.advanceMinutes(10);
    const third = await q.callNext(room1.id); // 30 min
    expect((await q.act(third!.id, 'no-show')).statusCode).toBe(200);

    const report = await today();
    expect(report).toMatchObject({ issued: 5, waitingNow: 2, served: 2, noShows: 1, averageWaitMinutes: 20, p90WaitMinutes: 30 });
    expect(report.departments).toEqual([{ departmentId: d.id, issued: 5, waitingNow: 2, served: 2, noShows: 1, averageWaitMinutes: 20, p90WaitMinutes: 30 }]);
    expect(report.counters).toEqual(
      expect.arrayContaining([
        { counterId: room1.id, departmentId: d.id, served: 1 },
        { counterId: room2.id, departmentId: d.id, served: 1 },
      ]),
    );
    expect(JSON.stringify(report)).not.toMatch(/Test Patient|\+91/);
  });

  it('is for admins only', async () => {
    expect((await t.inject({ method: 'GET', url: '/api/v1/reports/today', headers: await t.as('receptionist') })).statusCode).toBe(403);
  });
});

describe('the percentile', () => {
  it('takes the nearest rank', () => {
    expect(percentile([], 0.9)).toBeNull();
    expect(percentile([5], 0.9)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9)).toBe(10);
  });
});
