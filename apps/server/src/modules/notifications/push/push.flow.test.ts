import { createECDH, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationMessage } from '@smart-token/contracts';
import { DIALECTS } from '../../../test/databases.js';
import { nextPhone, startTestApp, type TestApp } from '../../../test/test-app.js';

/** A browser's subscription: its real key pair, and an endpoint nothing listens on. */
function subscription() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { endpoint: `https://127.0.0.1:9/push/${randomBytes(8).toString('hex')}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
}

/**
 * The status page's "notify me on this phone", through the app: a patient who asked for no SMS
 * subscribes their browser, and the visit's changes become push messages the worker sends.
 */
describe.each(DIALECTS)('Web Push from the status page on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    // Push exists only behind https (browsers allow it nowhere else).
    t = await startTestApp(dialect, { env: { PUBLIC_URL: 'https://clinic.test', NOTIFICATION_RETRY_BASE_MS: '60000' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('subscribes a visit and sends its changes to the browser, not by SMS', async () => {
    const dept = await t.department({ code: 'PSH', counters: 1 });
    const issued = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId: dept.id, patient: { name: 'Meena Iyer', phone: nextPhone() } } });
    const token = issued.json<{ id: string; statusKey: string }>();
    const key = await t.inject({ method: 'GET', url: '/api/v1/public/push/key' });
    expect(key.statusCode).toBe(200);
    expect(key.json<{ publicKey: string }>().publicKey.length).toBeGreaterThan(40);

    const unknown = await t.inject({ method: 'POST', url: '/api/v1/public/push/subscribe', payload: { statusKey: 'x'.repeat(43), subscription: subscription() } });
    expect(unknown.statusCode).toBe(404);
    const subscribed = await t.inject({ method: 'POST', url: '/api/v1/public/push/subscribe', payload: { statusKey: token.statusKey, subscription: subscription() } });
    expect(subscribed.statusCode, subscribed.body).toBe(201);

    await t.inject({ method: 'POST', url: `/api/v1/counters/${dept.counters[0]!.id}/call-next`, headers: await t.as('doctor'), payload: {} });
    await t.app.services.notifications.worker.drainNow();
    const messages = (await t.inject({ method: 'GET', url: `/api/v1/tokens/${token.id}/messages`, headers: await t.as('admin') })).json<{ messages: NotificationMessage[] }>().messages;
    // Nothing listens at the endpoint: the worker tried the browser (not a phone) and will try again.
    // ("Your turn is near" may have gone the same way, whenever the watch looked.)
    const called = messages.filter((m) => m.trigger === 'called');
    expect(called.map((m) => [m.channel, m.state, m.attempts])).toEqual([['push', 'pending', 1]]);
    expect(called[0]!.error).toBeTruthy();
    expect(messages.every((m) => m.channel === 'push')).toBe(true);
  });

  it('a department that switches browser notifications off takes no new subscriptions and sends nothing to the ones it had', async () => {
    const dept = await t.department({ code: 'PSO', counters: 1 });
    const issue = async () =>
      (await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId: dept.id, patient: { name: 'Ravi Das', phone: nextPhone() } } })).json<{ id: string; statusKey: string }>();
    const before = await issue();
    const subscribe = (statusKey: string) => t.inject({ method: 'POST', url: '/api/v1/public/push/subscribe', payload: { statusKey, subscription: subscription() } });
    expect((await subscribe(before.statusKey)).statusCode).toBe(201);

    const off = await t.inject({ method: 'PATCH', url: `/api/v1/departments/${dept.id}/notifications`, headers: await t.as('admin'), payload: { channels: { push: false } } });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json<{ channels: Record<string, boolean> }>().channels).toEqual({ sms: true, whatsapp: true, push: false });
    const after = await issue();
    const refused = await subscribe(after.statusKey);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'PUSH_DISABLED' });

    await t.inject({ method: 'POST', url: `/api/v1/counters/${dept.counters[0]!.id}/call-next`, headers: await t.as('doctor'), payload: {} });
    await t.app.services.notifications.worker.drainNow();
    const messages = (await t.inject({ method: 'GET', url: `/api/v1/tokens/${before.id}/messages`, headers: await t.as('admin') })).json<{ messages: NotificationMessage[] }>().messages;
    const called = messages.filter((m) => m.trigger === 'called');
    expect(called.map((m) => [m.channel, m.state])).toEqual([['push', 'skipped']]);
    expect(called[0]!.error).toContain('browser notifications');
  });
});
