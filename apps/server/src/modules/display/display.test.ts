import type { BoardSettings, BoardView } from '@smart-token/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { queueApi } from '../../test/queue-api.js';
import { problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

describe.each(DIALECTS)('the waiting-room board and its settings on %s', (dialect) => {
  let t: TestApp;
  let api: ReturnType<typeof queueApi>;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    api = queueApi(t);
  });
  afterAll(async () => t?.close());

  async function board(departmentId: string): Promise<BoardView> {
    const res = await t.inject({ method: 'GET', url: `/api/v1/departments/${departmentId}/board`, headers: await t.as('display') });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }
  const putSettings = async (departmentId: string, payload: unknown, role: 'admin' | 'doctor' = 'admin') =>
    t.inject({ method: 'PUT', url: `/api/v1/departments/${departmentId}/board-settings`, headers: await t.as(role), payload: payload as object });

  it('shows one tile per counter: a counter that calls again while its patient is still called replaces its tile', async () => {
    const dept = await t.department({ code: 'ONE', counters: 2 });
    const [room1, room2] = dept.counters;
    const a = await api.issue(dept.id);
    const b = await api.issue(dept.id);
    const c = await api.issue(dept.id);
    await api.callNext(room1!.id);
    await api.callNext(room2!.id);
    // Call-next is allowed whatever the counter's current token is (API.md): a stays called.
    await api.callNext(room1!.id);
    expect((await api.token(a.id)).status).toBe('called');

    const view = await board(dept.id);
    expect(view.nowServing.map((s) => [s.number, s.counterName])).toEqual([
      [c.number, 'Room 1'],
      [b.number, 'Room 2'],
    ]);
    expect(view.departmentId).toBe(dept.id);
  });

  it('carries the waiting count, the typical wait of someone arriving now, and the ticker the admin set', async () => {
    const dept = await t.department({ code: 'TCK', counters: 1 });
    for (let i = 0; i < 3; i++) await api.issue(dept.id);
    let view = await board(dept.id);
    expect(view.waitingCount).toBe(3);
    expect(view.typicalWait.maxMinutes).toBeGreaterThan(view.typicalWait.minMinutes);
    expect(view.typicalWait.minMinutes).toBeGreaterThan(0);
    expect(view).toMatchObject({ ticker: '', tileFadeMinutes: 10 });

    const res = await putSettings(dept.id, { ticker: '  Pharmacy closes at 8 pm today.  ', tileFadeMinutes: 5 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<BoardSettings>()).toMatchObject({ ticker: 'Pharmacy closes at 8 pm today.', tileFadeMinutes: 5 });
    view = await board(dept.id);
    expect(view).toMatchObject({ ticker: 'Pharmacy closes at 8 pm today.', tileFadeMinutes: 5 });

    // A second save changes only what it names.
    expect((await putSettings(dept.id, { ticker: 'अपनी बारी का इंतज़ार करें' })).statusCode).toBe(200);
    view = await board(dept.id);
    expect(view).toMatchObject({ ticker: 'अपनी बारी का इंतज़ार करें', tileFadeMinutes: 5 });
    const read = await t.inject({ method: 'GET', url: `/api/v1/departments/${dept.id}/board-settings`, headers: await t.as('display') });
    expect(read.json<BoardSettings>()).toMatchObject({ ticker: 'अपनी बारी का इंतज़ार करें', tileFadeMinutes: 5 });
  });

  it('refuses bad settings with a problem naming the field, and only an admin may set them', async () => {
    const dept = await t.department({ code: 'BAD', counters: 1 });
    const tooLong = await putSettings(dept.id, { ticker: 'x'.repeat(501) });
    expect(tooLong.statusCode).toBe(400);
    expect(problemOf(tooLong).errors?.map((e) => e.path)).toContain('body.ticker');
    const negative = await putSettings(dept.id, { tileFadeMinutes: -1 });
    expect(negative.statusCode).toBe(400);
    const unknown = await putSettings(dept.id, { colour: 'red' });
    expect(unknown.statusCode).toBe(400);
    expect(problemOf(unknown).code).toBe('VALIDATION_FAILED');
    expect((await putSettings(dept.id, { ticker: 'hi' }, 'doctor')).statusCode).toBe(403);
    const missing = await putSettings('no-such-department', { ticker: 'hi' });
    expect(missing.statusCode).toBe(404);
    expect(problemOf(missing).code).toBe('NOT_FOUND');
    // Nothing was written by the refused requests.
    expect((await board(dept.id)).ticker).toBe('');
  });
});
