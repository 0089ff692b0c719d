import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { startTestApp, type TestApp } from '../../test/test-app.js';
import type { DepartmentSettings } from './department-settings.js';
import { createDeliveryWorker } from './delivery-worker.js';
import type { ActiveGateway, Gateways } from './gateway.js';
import * as repo from './notifications.repository.js';
import type { TemplateStore } from './template-store.js';

const DAY_MS = 24 * 60 * 60_000;
const CLAIM_MS = 1_000;

describe.each(DIALECTS)('the delivery worker on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t?.close());

  /** A gateway whose first send waits until released (Twilio taking its time); any later one goes at once. */
  function slowGateway() {
    const sent: string[] = [];
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const gateway: ActiveGateway = {
      kind: 'twilio',
      authToken: undefined,
      send: async (message) => {
        sent.push(message.to);
        const providerId = `SM${sent.length}`;
        if (sent.length === 1) await released;
        return { providerId, deliveredVia: 'sms' };
      },
    };
    return { sent, release, gateways: { active: async () => gateway } as unknown as Gateways };
  }

  /** A worker a day ahead of the real clock, so the app's own worker leaves its messages alone; a test message needs no settings or templates. */
  function worker(instance: string, gateways: Gateways, errors: unknown[]) {
    return createDeliveryWorker({
      database: t.app.database,
      clock: { now: () => Date.now() + DAY_MS },
      gateways,
      settings: {} as DepartmentSettings,
      templates: {} as TemplateStore,
      clinicName: async () => 'Test clinic',
      departmentName: async () => undefined,
      options: { instance, retryBaseMs: 1000, maxAttempts: 3, pollMs: 60_000, claimMs: CLAIM_MS },
      onError: (error) => errors.push(error),
    });
  }

  it('keeps its claim while the gateway is slow, so no other instance sends the message again', async () => {
    const id = `slow-${dialect}`;
    await repo.insertMessage(t.app.database.db, { id, dedupe_key: id, token_id: null, department_id: null, trigger: 'test', channel: 'sms', language: 'en', vars: '{}', to_phone: '+919800000077', at: Date.now() + DAY_MS });
    const gateway = slowGateway();
    const errors: unknown[] = [];
    const a = worker(`a-${dialect}`, gateway.gateways, errors);
    const b = worker(`b-${dialect}`, gateway.gateways, errors);

    const sending = a.drainNow();
    await expect.poll(() => gateway.sent.length).toBe(1);
    // Three claims’ lengths with A still waiting on the gateway: B finds nothing to take over.
    await new Promise((resolve) => setTimeout(resolve, 3 * CLAIM_MS));
    await b.drainNow();
    expect(gateway.sent).toEqual(['+919800000077']);
    expect(await repo.findMessage(t.app.database.db, id)).toMatchObject({ state: 'sending', claimed_by: `a-${dialect}` });

    gateway.release();
    await sending;
    expect(await repo.findMessage(t.app.database.db, id)).toMatchObject({ state: 'sent', claimed_by: null, claimed_until: null, provider_id: 'SM1' });
    expect(gateway.sent).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
