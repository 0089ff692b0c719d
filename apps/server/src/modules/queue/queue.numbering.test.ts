import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { queueApi } from '../../test/queue-api.js';
import { startTestApp, type TestApp } from '../../test/test-app.js';

/*
 * On PostgreSQL the number is made inside the issuing statement (token-writes.repository.ts), on
 * SQLite in the application: both must write what formatNumber says, into the token, the answer and
 * the outbox event the screens receive.
 */
describe.each(DIALECTS)('token numbers past three digits on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t.close());

  it('counts on from 999 to 1000 and 1001, the same in the answer, the row and the live event', async () => {
    const api = queueApi(t);
    const dept = await t.department({ code: 'NUM' });
    const first = await api.issue(dept.id);
    expect(first.number).toBe('NUM-001');
    const db = t.app.database.db;
    await db.updateTable('daily_sequences').set({ last_value: 998 }).where('department_id', '=', dept.id).execute();

    const issued = [await api.issue(dept.id), await api.issue(dept.id), await api.issue(dept.id)];
    expect(issued.map((token) => token.number)).toEqual(['NUM-999', 'NUM-1000', 'NUM-1001']);

    const rows = await db.selectFrom('tokens').select(['id', 'number', 'seq']).where('department_id', '=', dept.id).orderBy('seq').execute();
    expect(rows.map((r) => [r.number, r.seq])).toEqual([
      ['NUM-001', 1],
      ['NUM-999', 999],
      ['NUM-1000', 1000],
      ['NUM-1001', 1001],
    ]);
    const events = await db.selectFrom('live_events').select(['department_id', 'seq', 'token_id', 'payload']).where('department_id', '=', dept.id).orderBy('seq').execute();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events.map((e) => (JSON.parse(e.payload) as { token: { number: string } }).token.number)).toEqual(['NUM-001', 'NUM-999', 'NUM-1000', 'NUM-1001']);
    expect(events.map((e) => e.token_id)).toEqual(rows.map((r) => r.id));
  });
});
