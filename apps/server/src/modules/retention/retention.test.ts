import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { ManualClock, nextPhone, startTestApp, type TestApp } from '../../test/test-app.js';

const DAY_MS = 24 * 60 * 60_000;

describe.each(DIALECTS)('patient data retention on %s', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.parse('2026-01-05T04:30:00Z'));

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { PATIENT_DATA_RETENTION_DAYS: '30' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('erases finished visits’ names and phones after the period, keeps numbers and times, leaves patients still in a line alone, and records it', async () => {
    const dept = await t.department({ code: 'RET', counters: 1 });
    const staff = await t.as('receptionist');
    const doctor = await t.as('doctor');
    const phone = nextPhone();
    const issue = async (name: string) => (await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: staff, payload: { departmentId: dept.id, patient: { name, phone }, notify: { channel: 'sms', consent: true } } })).json<{ id: string; number: string }>();
    const served = await issue('Old Visit');
    await t.inject({ method: 'POST', url: `/api/v1/counters/${dept.counters[0]!.id}/call-next`, headers: doctor, payload: {} });
    await t.inject({ method: 'POST', url: `/api/v1/tokens/${served.id}/complete`, headers: doctor, payload: {} });
    const stillWaiting = await issue('Still Waiting');

    // The ticket's message (to the outbox log: no gateway here) holds the number and the status link.
    await t.app.services.notifications.worker.drainNow();
    const messagesOf = async (id: string) => (await t.inject({ method: 'GET', url: `/api/v1/tokens/${id}/messages`, headers: await t.as('admin') })).json<{ messages: { body: string }[] }>().messages;
    expect((await messagesOf(served.id))[0]!.body).toContain(served.number);

    clock.advance(29 * DAY_MS);
    expect(await t.app.services.retention.eraseDue()).toBe(0);
    clock.advance(2 * DAY_MS);
    expect(await t.app.services.retention.eraseDue()).toBe(1);
    expect(await t.app.services.retention.eraseDue()).toBe(0);

    const admin = await t.as('admin');
    const erased = (await t.inject({ method: 'GET', url: `/api/v1/tokens/${served.id}`, headers: admin })).json<{ number: string; status: string; patient: { name: string }; issuedAt: string; completedAt: string }>();
    expect(erased).toMatchObject({ number: served.number, status: 'completed', patient: { name: '' } });
    expect(erased.issuedAt).toBeTruthy();
    expect(erased.completedAt).toBeTruthy();
    // Its messages' texts went with the name and phone; the record that they were sent stays.
    expect((await messagesOf(served.id)).map((m) => m.body)).toEqual(['', '']);
    const waiting = (await t.inject({ method: 'GET', url: `/api/v1/tokens/${stillWaiting.id}`, headers: admin })).json<{ patient: { name: string } }>();
    expect(waiting.patient.name).toBe('Still Waiting');
    // The phone no longer finds the erased visit.
    const search = await t.inject({ method: 'POST', url: '/api/v1/patients/search', headers: await t.as('receptionist'), payload: { phone } });
    expect(search.statusCode, search.body).toBe(200);
    expect(search.json<{ matches: { name: string }[] }>().matches.map((m) => m.name)).toEqual(['Still Waiting']);

    await t.app.services.audit.settle();
    const entry = await t.app.database.db.selectFrom('audit_entries').selectAll().where('type', '=', 'patient.data.erased').executeTakeFirstOrThrow();
    expect(entry.actor_kind).toBe('system');
    expect(JSON.parse(entry.details!)).toMatchObject({ records: [served.id], count: 1, retentionDays: 30 });
  });
});
