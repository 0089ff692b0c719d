import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../db/database.js';
import { DIALECTS } from '../../test/databases.js';
import { nextPhone, startTestApp, type TestApp } from '../../test/test-app.js';
import type { AuditEntryInput } from '../audit/audit.js';
import { createInvalidationBus, type CacheInvalidationBus } from '../cache/cache-invalidation.js';
import { openKeyring, type Keyring } from './keyring.js';
import { activeSubscriptionsOf, addSubscription } from '../notifications/push/push.repository.js';
import { loadOrCreateVapidKeys } from '../notifications/push/vapid.js';
import { cipherOf, settingAad } from './encrypted-columns.js';
import { rotateDataKeys, type RotationDeps } from './rotation.js';

/** The command line's side of a rotation: its own connection, keyring and bus, as another process has. */
interface Rotator {
  database: Database;
  keyring: Keyring;
  bus: CacheInvalidationBus;
  lines: string[];
  audited: AuditEntryInput[];
  rotate(overrides?: Partial<RotationDeps>): ReturnType<typeof rotateDataKeys>;
  close(): Promise<void>;
}

describe.each(DIALECTS)('rotating the data key on %s', (dialect) => {
  let t: TestApp;
  let rotator: Rotator | undefined;

  beforeEach(async () => {
    t = await startTestApp(dialect);
  });
  afterEach(async () => {
    await rotator?.close();
    rotator = undefined;
    await t.close();
  });

  async function openRotator(): Promise<Rotator> {
    const database = createDatabase(t.config.database);
    const keyring = await openKeyring({ database, masterKey: t.config.masterKey, secretsFile: t.config.secretsFile, production: false });
    const bus = await createInvalidationBus({ redisUrl: undefined, database, onError: (error) => { throw error; } });
    const lines: string[] = [];
    const audited: AuditEntryInput[] = [];
    return {
      database,
      keyring,
      bus,
      lines,
      audited,
      rotate: (overrides = {}) =>
        rotateDataKeys({
          database,
          keyring,
          announce: (id) => bus.publish({ kind: 'keys', id }),
          audit: { record: async (_trx, entry) => void audited.push(entry) },
          say: (line) => lines.push(line),
          batchSize: 7,
          ...overrides,
        }),
      async close() {
        keyring.close();
        await bus.close();
        await database.close();
      },
    };
  }

  async function issueMany(departmentId: string, count: number, prefix: string): Promise<{ id: string; name: string }[]> {
    const made: { id: string; name: string }[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${prefix} ${i}`;
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { ...(await t.as('receptionist')), 'idempotency-key': `${prefix}-${i}` },
        payload: { departmentId, patient: { name, phone: nextPhone() } },
      });
      expect(res.statusCode, res.body).toBe(201);
      made.push({ id: res.json<{ id: string }>().id, name });
    }
    return made;
  }

  /** Every stored value's data key, as read from the raw columns. */
  async function keysInUse(): Promise<Set<string>> {
    const db = t.app.database.db;
    const tokens = await db.selectFrom('tokens').select(['patient_name as a', 'phone_e164 as b', 'phone_last4 as c']).execute();
    const events = await db.selectFrom('live_events').select(['payload as a']).execute();
    const answers = await db.selectFrom('idempotency_keys').select(['body as a']).execute();
    const values = [...tokens.flatMap((r) => [r.a, r.b, r.c]), ...events.map((r) => r.a), ...answers.map((r) => r.a)];
    return new Set(values.map((v) => /^enc1\.([^.]+)\./.exec(v)?.[1] ?? `plaintext:${v}`));
  }

  async function expectNamesReadable(tokens: { id: string; name: string }[]): Promise<void> {
    for (const token of tokens) {
      const res = await t.inject({ method: 'GET', url: `/api/v1/tokens/${token.id}`, headers: await t.as('receptionist') });
      expect(res.json<{ patient: { name: string } }>().patient.name).toBe(token.name);
    }
  }

  it('re-encrypts every value under a new key while the app keeps issuing, prints its progress, and retires the old key', async () => {
    const dept = await t.department({ code: 'ROT' });
    const before = await issueMany(dept.id, 25, 'Before');
    expect(await keysInUse()).toEqual(new Set(['d1']));
    rotator = await openRotator();

    let issuing = true;
    const during: { id: string; name: string }[] = [];
    const keepIssuing = (async () => {
      for (let round = 0; issuing; round++) during.push(...(await issueMany(dept.id, 1, `During ${round}`)));
    })();
    const result = await rotator.rotate();
    issuing = false;
    await keepIssuing;

    expect(result.keyId).not.toBe('d1');
    expect(result.retired).toEqual(['d1']);
    expect(during.length).toBeGreaterThan(0);
    expect(await keysInUse()).toEqual(new Set([result.keyId]));
    await expectNamesReadable([...before, ...during]);
    const { lines } = rotator;
    expect(lines.some((line) => /^re-encrypted \d+ of \d+$/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(new RegExp(`^Done: every value is under data key ${result.keyId}; retired d1\\. The blind-index key is not rotated`));
    const keys = await t.app.database.db.selectFrom('data_keys').select(['id', 'purpose', 'activated_at', 'retired_at']).orderBy('created_at').orderBy('id').execute();
    expect(keys.map((k) => [k.id, k.purpose, k.activated_at !== null, k.retired_at !== null])).toEqual([
      ['d1', 'data', true, true],
      ['i1', 'index', true, false],
      [result.keyId, 'data', true, false],
    ]);
    expect(rotator.audited).toMatchObject([{ type: 'system.keys.rotated', subject: { kind: 'key', id: result.keyId }, details: { retired: ['d1'] } }]);
    // Finding a patient by phone still works: the index key was not rotated.
    const search = await t.inject({ method: 'POST', url: '/api/v1/tokens/search', headers: await t.as('receptionist'), payload: { query: 'Before 3' } });
    expect(search.json<{ tokens: { id: string }[] }>().tokens.map((x) => x.id)).toEqual([before[3]!.id]);
  });

  it('re-encrypts the notifications’ consents, messages and browser subscriptions, and the secrets kept in settings', async () => {
    const dept = await t.department({ code: 'NOT', counters: 1 });
    const admin = await t.as('admin');
    const saved = await t.inject({
      method: 'PUT',
      url: '/api/v1/notifications/gateway',
      headers: admin,
      payload: { accountSid: `AC${'a'.repeat(32)}`, authToken: 'twilio-auth-token-0123456789', fromSms: '+15005550006', fromWhatsapp: null },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const issued = await t.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: await t.as('receptionist'),
      payload: { departmentId: dept.id, patient: { name: 'Told Patient', phone: nextPhone() }, notify: { channel: 'sms', consent: true } },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const token = issued.json<{ id: string; statusUrl: string }>();
    const db = t.app.database.db;
    // A browser subscription and the VAPID key pair, written as the push module writes them.
    await loadOrCreateVapidKeys(db, Date.now(), cipherOf(db));
    await addSubscription(db, cipherOf(db), { tokenId: token.id, subscription: { endpoint: 'https://push.example/abc', keys: { p256dh: 'x', auth: 'y' } }, at: Date.now() });
    // A message with its text and phone, as a test message from the admin screen leaves it.
    const test = await t.inject({ method: 'POST', url: '/api/v1/notifications/test', headers: admin, payload: { channel: 'sms', to: nextPhone(), departmentId: dept.id, trigger: 'issued', language: 'en' } });
    expect(test.statusCode, test.body).toBe(202);

    /** The data key of every value these tables and settings hold, read raw. */
    const keysOf = async () => {
      const raw = [
        ...(await db.selectFrom('notification_consents').select('status_url as v').execute()).map((r) => r.v),
        ...(await db.selectFrom('notification_messages').select(['to_phone as v', 'message_body as w']).execute()).flatMap((r) => [r.v, r.w]),
        ...(await db.selectFrom('push_subscriptions').select('push_subscription as v').execute()).map((r) => r.v),
        ...(await db.selectFrom('settings').select('value').where('key', 'in', ['notifications.gateway', 'notifications.vapid']).execute()).map((r) => JSON.parse(r.value) as Record<string, string>).flatMap((v) => [v.authToken, v.privateKey]),
      ].filter((v): v is string => typeof v === 'string' && v !== '');
      return raw.map((v) => /^enc1\.([^.]+)\./.exec(v)?.[1] ?? `plaintext:${v}`);
    };
    const before = await keysOf();
    // Consent, test message's phone (and its text once sent), subscription, auth token, VAPID key.
    expect(before.length).toBeGreaterThanOrEqual(5);
    expect(new Set(before)).toEqual(new Set(['d1']));

    rotator = await openRotator();
    const result = await rotator.rotate();
    expect(new Set(await keysOf())).toEqual(new Set([result.keyId]));
    expect(await keysOf()).toHaveLength(before.length);
    // Everything still reads as it was.
    const consent = await db.selectFrom('notification_consents').select(['token_id', 'status_url']).where('token_id', '=', token.id).executeTakeFirstOrThrow();
    expect(consent.status_url).toBe(token.statusUrl);
    expect((await activeSubscriptionsOf(db, cipherOf(db), token.id)).map((s) => s.subscription.endpoint)).toEqual(['https://push.example/abc']);
    const gateway = JSON.parse((await db.selectFrom('settings').select('value').where('key', '=', 'notifications.gateway').executeTakeFirstOrThrow()).value) as { authToken: string };
    expect(cipherOf(db).decrypt(gateway.authToken, settingAad('notifications.gateway'))).toBe('twilio-auth-token-0123456789');
    expect((await loadOrCreateVapidKeys(db, Date.now(), cipherOf(db))).privateKey.length).toBeGreaterThan(20);
  });

  it('resumes an interrupted rotation with the key it made instead of making another', async () => {
    const dept = await t.department({ code: 'RES' });
    const tokens = await issueMany(dept.id, 20, 'Patient');
    rotator = await openRotator();
    const interrupted = await rotator
      .rotate({
        say: (line) => {
          if (line.startsWith('re-encrypted')) throw new Error('interrupted');
          rotator!.lines.push(line);
        },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(interrupted).toEqual(new Error('interrupted'));
    const halfway = await keysInUse();
    expect(halfway.size).toBe(2);
    const [newKey] = [...halfway].filter((id) => id !== 'd1');

    const result = await rotator.rotate();
    expect(result.keyId).toBe(newKey);
    expect(rotator.lines.some((line) => line.startsWith(`Resuming the rotation to data key ${newKey}`))).toBe(true);
    expect(await keysInUse()).toEqual(new Set([newKey]));
    const dataKeys = await t.app.database.db.selectFrom('data_keys').select(['id', 'retired_at']).where('purpose', '=', 'data').orderBy('id').execute();
    expect(dataKeys).toHaveLength(2);
    expect(dataKeys.find((k) => k.id === 'd1')?.retired_at).not.toBeNull();
    await expectNamesReadable(tokens);
  });
});
