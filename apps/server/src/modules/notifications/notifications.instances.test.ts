import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createDatabase, type Database } from '../../db/database.js';
import { StaffSignIn, fetchCall } from '../../test/admin-sign-in.js';
import { startChildServer, type ChildServer } from '../../test/child-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { startFakeTwilio, type FakeTwilio } from '../../test/fake-twilio.js';
import { TEST_PASSWORD, nextPhone, testEnv } from '../../test/test-app.js';

const ADMIN_EMAIL = 'admin@notify.test';
const PATIENTS = 24;

/**
 * Two processes of the built server on one database, sending through one (fake) Twilio: every
 * message goes out exactly once, whichever instance wrote it, and one killed with its messages
 * still unsent has them sent by the other.
 */
describe.each(DIALECTS)('notifications across instances and a crash on %s', (dialect) => {
  let db: TestDatabase;
  let twilio: FakeTwilio;
  let env: Record<string, string>;
  let a: ChildServer;
  let b: ChildServer;
  let headers: Record<string, string>;
  let departmentId: string;
  /** The test's own connection to the shared database, to look at the outbox. */
  let outbox: Database;

  const api = async <T>(server: ChildServer, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const issue = (server: ChildServer, phone: string) =>
    api<{ id: string; number: string }>(server, 'POST', '/tokens', { departmentId, patient: { name: 'Ravi Kumar', phone }, notify: { channel: 'sms', consent: true } });

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    twilio = await startFakeTwilio();
    env = testEnv(db, {
      ADMIN_EMAIL,
      ADMIN_PASSWORD: TEST_PASSWORD,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM_SMS: '+15005550006',
      TWILIO_API_URL: twilio.url,
      NOTIFICATION_RETRY_BASE_MS: '300',
      NOTIFICATION_MAX_ATTEMPTS: '10',
    });
    a = await startChildServer(env);
    b = await startChildServer(env);
    outbox = createDatabase(loadConfig(env).database);
    const admin = await new StaffSignIn(fetchCall(a.url)).signIn(ADMIN_EMAIL, TEST_PASSWORD);
    headers = { authorization: `Bearer ${admin.accessToken}` };
    departmentId = (await api<{ id: string }>(a, 'POST', '/departments', { code: 'NIX', name: 'Two Instances' })).id;
    // One message per patient, the ticket's: "your turn is near" would add some, depending on the moment.
    await api(a, 'PATCH', `/departments/${departmentId}/notifications`, { triggers: { approaching: false } });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await outbox?.close();
    await twilio?.close();
    await db?.drop();
  });

  it('sends each patient’s ticket message once when two instances share the outbox', async () => {
    const phones = Array.from({ length: PATIENTS }, () => nextPhone());
    await Promise.all(phones.map((phone, i) => issue(i % 2 === 0 ? a : b, phone)));
    await twilio.waitForMessages(PATIENTS, 15_000);
    // Both workers poll the outbox: give them time to send anything twice, had they claimed it twice.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const sent = twilio.messages.filter((m) => phones.includes(m.to)).map((m) => m.to);
    expect(sent.length).toBe(PATIENTS);
    expect(new Set(sent).size).toBe(PATIENTS);
  });

  it('a killed instance’s unsent messages are sent by the other, each once', async () => {
    // A third instance whose failed sends wait 2 s (±20 %) before their retry. It is killed between
    // the commit of its messages and their sending, with none in flight: a message it holds while
    // sending stays its own until the claim runs out (20 s), and that is not this test's case.
    const c = await startChildServer({ ...env, NOTIFICATION_RETRY_BASE_MS: '2000' });
    const before = twilio.messages.length;
    twilio.failNext(1000, 500);
    const phones = Array.from({ length: 6 }, () => nextPhone());
    const tokenIds: string[] = [];
    for (const phone of phones) tokenIds.push((await issue(c, phone)).id);
    // Each message tried at least once (and refused), and none being sent: committed, unsent, waiting
    // for a retry. The check runs with c frozen (SIGSTOP), so c claims nothing between it and the kill.
    const states = () => outbox.db.selectFrom('notification_messages').select(['state', 'attempts']).where('token_id', 'in', tokenIds).execute();
    const unsentAndIdle = async () => {
      const rows = await states();
      return rows.length === phones.length && rows.every((row) => row.state === 'pending' && row.attempts >= 1);
    };
    const deadline = Date.now() + 15_000;
    for (;;) {
      c.process.kill('SIGSTOP');
      if (await unsentAndIdle()) break;
      c.process.kill('SIGCONT');
      if (Date.now() > deadline) throw new Error(`the messages never all waited for a retry: ${JSON.stringify(await states())}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await c.kill9();
    expect(twilio.messages.length).toBe(before);
    twilio.stopFailing();
    await twilio.waitForMessages(before + phones.length, 20_000).catch(async (error: Error) => {
      throw new Error(`${error.message}; the outbox holds ${JSON.stringify(await states())}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const sent = twilio.messages.filter((m) => phones.includes(m.to)).map((m) => m.to);
    expect(sent.sort()).toEqual([...phones].sort());
    // The killed instance comes back: nothing is sent again.
    const back = await startChildServer(env);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(twilio.messages.filter((m) => phones.includes(m.to))).toHaveLength(phones.length);
    await back.stop();
  });
});
