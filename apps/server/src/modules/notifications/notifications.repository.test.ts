import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { startTestApp, type TestApp } from '../../test/test-app.js';
import * as repo from './notifications.repository.js';

describe.each(DIALECTS)('the outbox claims on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t?.close());

  it('records a sent message for the worker holding it, and ignores the worker whose claim was taken over', async () => {
    const db = t.app.database.db;
    // Due a day from now: the app's own worker, on the real clock, leaves it alone.
    const due = Date.now() + 24 * 60 * 60_000;
    const id = `claims-${dialect}`;
    expect(await repo.insertMessage(db, { id, dedupe_key: id, token_id: null, department_id: null, trigger: 'test', channel: 'sms', language: 'en', vars: '{}', to_phone: '+919800000001', at: due })).toBe(true);

    expect((await repo.claimDue(db, 'worker-a', due, due + 1000, 10)).map((m) => m.id)).toEqual([id]);
    // Worker A stalls past its claim; worker B takes the message over.
    expect((await repo.claimDue(db, 'worker-b', due + 2000, due + 60_000, 10)).map((m) => m.id)).toEqual([id]);
    const sent = { state: 'sent', at: due + 3000, error: null, providerId: 'SM1', deliveredVia: 'sms', body: 'Your token GEN-001', sent: true };
    expect(await repo.settle(db, id, 'worker-a', sent)).toBe(false);
    expect(await repo.findMessage(db, id)).toMatchObject({ state: 'sending', claimed_by: 'worker-b', provider_id: null });

    expect(await repo.settle(db, id, 'worker-b', { ...sent, providerId: 'SM2' })).toBe(true);
    const row = await repo.findMessage(db, id);
    expect(row).toMatchObject({ state: 'sent', claimed_by: null, claimed_until: null, provider_id: 'SM2', delivered_via: 'sms', message_body: 'Your token GEN-001', error: null });
    expect(Number(row?.sent_at)).toBe(due + 3000);
    // Settled once: a second settle of the same claim changes nothing.
    expect(await repo.settle(db, id, 'worker-b', sent)).toBe(false);
  });
});
