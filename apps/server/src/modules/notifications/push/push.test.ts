import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import https from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import webpush, { type PushSubscription } from 'web-push';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config.js';
import { createDatabase, type Database } from '../../../db/database.js';
import { migrateToLatest } from '../../../db/migrate.js';
import { up as createPushTable } from '../../../db/migrations/2026_12_06_0702_push_subscriptions.js';
import { ConflictError } from '../../../errors.js';
import { errorHandlerPlugin } from '../../../plugins/error-handler.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../../test/databases.js';
import { testEnv } from '../../../test/test-app.js';
import { openKeyring, type Keyring } from '../../keys/keyring.js';
import { readSetting } from '../../settings/settings.repository.js';
import { GatewayError } from '../twilio/twilio-gateway.js';
import { createPushChannel, createPushSender, MAX_SUBSCRIPTIONS_PER_TOKEN, vapidSubjectOf, type PushPayload } from './push-sender.js';
import * as repo from './push.repository.js';
import { pushRoutes } from './push.routes.js';
import { loadOrCreateVapidKeys, VAPID_SETTING_KEY } from './vapid.js';

const SUBJECT = 'https://clinic.test';
const PAYLOAD: PushPayload = { title: 'City Clinic · OPD-042', body: 'Your turn is near: 2 people ahead of you, about 10 min.', url: 'https://clinic.test/s/abc', tag: 'OPD-042' };

/* ---------- a push service on 127.0.0.1 ---------- */

interface PushRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Answers with the status in the path (`/push/410/…`), 201 otherwise, and keeps every request. It
 * speaks plain HTTP: web-push only ever opens TLS connections, so the sender is given an agent whose
 * connections are plain TCP (below) — everything above the socket is what a real push service gets.
 */
async function startPushService(): Promise<{ origin: string; requests: PushRequest[]; close(): Promise<void> }> {
  const requests: PushRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const status = Number(/^\/push\/(\d{3})\//.exec(req.url ?? '')?.[1] ?? 201);
      if (status === 429) res.setHeader('retry-after', '7');
      res.writeHead(status).end(status >= 400 ? 'push subscription has unsubscribed or expired.\n' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `https://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

class PlainTcpAgent extends https.Agent {
  override createConnection(options: https.RequestOptions) {
    return connect({ host: options.hostname ?? '127.0.0.1', port: Number(options.port) });
  }
}
const agent = new PlainTcpAgent();

/* ---------- a browser's side of a subscription ---------- */

interface Browser {
  ecdh: ECDH;
  auth: Buffer;
  subscription: PushSubscription;
}

function browser(endpoint: string): Browser {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, subscription: { endpoint, keys: { p256dh: ecdh.getPublicKey('base64url'), auth: auth.toString('base64url') } } };
}

const hkdf = (salt: Buffer, ikm: Buffer, info: Buffer | string, length: number) => Buffer.from(hkdfSync('sha256', ikm, salt, typeof info === 'string' ? Buffer.from(info) : info, length));

/** What the browser reads from an aes128gcm body (RFC 8188 with the keys of RFC 8291): one record, padded. */
function decrypt(body: Buffer, to: Browser): string {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  expect(idLength).toBe(65);
  expect(record.length).toBeLessThanOrEqual(recordSize);
  const ecdhSecret = to.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), to.ecdh.getPublicKey(), senderKey]);
  const ikm = hkdf(to.auth, ecdhSecret, keyInfo, 32);
  const key = hkdf(salt, ikm, 'Content-Encoding: aes128gcm\0', 16);
  const nonce = hkdf(salt, ikm, 'Content-Encoding: nonce\0', 12);
  const decipher = createDecipheriv('aes-128-gcm', key, nonce);
  decipher.setAuthTag(record.subarray(-16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, -16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  // 2: the delimiter of the last record.
  expect(padded[end]).toBe(2);
  return padded.subarray(0, end).toString('utf8');
}

/** The VAPID header's token, checked against the public key it names (ES256, RFC 8292). */
function vapidClaims(authorization: string | undefined, publicKey: string): Record<string, unknown> {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization ?? '');
  expect(match, authorization).not.toBeNull();
  const [header, claims, signature] = match![1]!.split('.') as [string, string, string];
  expect(match![2]).toBe(publicKey);
  const point = Buffer.from(publicKey, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  expect(verify('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))).toBe(true);
  expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'ES256' });
  return JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
}

async function failureOf(promise: Promise<unknown>): Promise<GatewayError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

/* ---------- the sender ---------- */

describe('the Web Push sender', () => {
  let service: Awaited<ReturnType<typeof startPushService>>;
  const vapid = { publicKey: '', privateKey: '' };

  beforeAll(async () => {
    service = await startPushService();
    Object.assign(vapid, webpush.generateVAPIDKeys());
  });
  afterAll(() => service.close());

  const sender = () => createPushSender({ vapid, subject: SUBJECT, agent });

  it('posts the notification encrypted as aes128gcm, with a TTL, high urgency and a VAPID signature, and the browser reads it', async () => {
    const phone = browser(`${service.origin}/push/201/phone-1`);
    const before = Math.floor(Date.now() / 1000);
    await sender().send(phone.subscription, PAYLOAD);

    const request = service.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/push/201/phone-1');
    expect(request.headers['content-encoding']).toBe('aes128gcm');
    expect(request.headers.ttl).toBe('3600');
    expect(request.headers.urgency).toBe('high');
    expect(request.body.length).toBeGreaterThan(86);
    // Encrypted: none of the words travel in the clear.
    expect(request.body.includes(Buffer.from('Your turn'))).toBe(false);
    expect(JSON.parse(decrypt(request.body, phone))).toEqual(PAYLOAD);

    const claims = vapidClaims(request.headers.authorization, vapid.publicKey);
    expect(claims).toMatchObject({ aud: service.origin, sub: SUBJECT });
    expect(claims.exp).toBeGreaterThan(before);
  });

  it('encrypts for the subscriber only: another browser’s keys do not open the body', async () => {
    const phone = browser(`${service.origin}/push/201/phone-2`);
    await sender().send(phone.subscription, PAYLOAD);
    expect(() => decrypt(service.requests.at(-1)!.body, browser('https://unused.test/'))).toThrow();
  });

  it('shortens a body too long for a push message instead of failing', async () => {
    const phone = browser(`${service.origin}/push/201/phone-3`);
    await sender().send(phone.subscription, { ...PAYLOAD, body: 'आपकी बारी पास है। '.repeat(400) });
    const request = service.requests.at(-1)!;
    expect(request.body.length).toBeLessThanOrEqual(4096);
    const shown = JSON.parse(decrypt(request.body, phone)) as PushPayload;
    expect(shown.body.startsWith('आपकी बारी पास है।')).toBe(true);
    expect(shown.body.endsWith('…')).toBe(true);
    // Shortened to fit, not emptied: most of the room is used.
    expect(Buffer.byteLength(JSON.stringify(shown))).toBeGreaterThan(2800);
    expect(shown.title).toBe(PAYLOAD.title);
  });

  it('reads 410 and 404 as a gone subscription, never to be retried', async () => {
    for (const status of [410, 404]) {
      const failure = await failureOf(sender().send(browser(`${service.origin}/push/${status}/gone`).subscription, PAYLOAD));
      expect(failure).toMatchObject({ retryable: false, code: 'SUBSCRIPTION_GONE', status });
    }
  });

  it('retries a 500 and a 429 (after the Retry-After it names), and not a 400', async () => {
    expect(await failureOf(sender().send(browser(`${service.origin}/push/500/busy`).subscription, PAYLOAD))).toMatchObject({ retryable: true, status: 500 });
    const limited = await failureOf(sender().send(browser(`${service.origin}/push/429/limited`).subscription, PAYLOAD));
    expect(limited).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    const refused = await failureOf(sender().send(browser(`${service.origin}/push/400/bad`).subscription, PAYLOAD));
    expect(refused.retryable).toBe(false);
    expect(refused.code).toBeUndefined();
    expect(refused.message).toContain('HTTP 400');
    expect(refused.message).not.toContain('/push/400/bad');
  });

  it('retries when the push service cannot be reached', async () => {
    const closed = await startPushService();
    await closed.close();
    const failure = await failureOf(sender().send(browser(`${closed.origin}/push/201/x`).subscription, PAYLOAD));
    expect(failure).toMatchObject({ retryable: true, code: 'ECONNREFUSED' });
  });

  it('refuses, without sending, a subscription that can never be delivered to', async () => {
    const sent = service.requests.length;
    const good = browser(`${service.origin}/push/201/x`).subscription;
    const notOnCurve = { ...good, keys: { ...good.keys, p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url') } };
    const shortAuth = { ...good, keys: { ...good.keys, auth: randomBytes(8).toString('base64url') } };
    const plainHttp = { ...good, endpoint: good.endpoint.replace('https:', 'http:') };
    for (const subscription of [notOnCurve, shortAuth, plainHttp]) {
      expect(await failureOf(sender().send(subscription, PAYLOAD))).toMatchObject({ retryable: false, code: 'SUBSCRIPTION_INVALID' });
    }
    expect(service.requests.length).toBe(sent);
  });

  it('takes an https or mailto: subject only, as push services do', () => {
    expect(() => createPushSender({ vapid, subject: 'http://clinic.test' })).toThrow(/https URL or a mailto:/);
    expect(() => createPushSender({ vapid, subject: 'mailto:it@clinic.test' })).not.toThrow();
    expect(vapidSubjectOf('https://clinic.example/some/path')).toBe('https://clinic.example');
    expect(vapidSubjectOf('http://192.168.1.10:3000')).toBeUndefined();
  });
});

/* ---------- keys, subscriptions and routes on a real database ---------- */

describe.each(DIALECTS)('Web Push on %s', (dialect) => {
  let db: TestDatabase;
  let database: Database;
  let keyring: Keyring;
  let service: Awaited<ReturnType<typeof startPushService>>;
  let now = Date.parse('2026-12-06T09:00:00Z');
  const clock = { now: () => now };

  beforeAll(async () => {
    service = await startPushService();
  });
  afterAll(() => service.close());
  beforeEach(async () => {
    db = await freshDatabase(dialect);
    database = createDatabase(loadConfig(testEnv(db)).database);
    await migrateToLatest(database.db);
    // Until migrate.ts lists 2026_12_06_0702, this module's migration runs here as the migrator would run it.
    if (!(await database.db.introspection.getTables()).some((table) => table.name === 'push_subscriptions')) await createPushTable(database.db);
    keyring = await openKeyring({ database, masterKey: new Uint8Array(Buffer.alloc(32, 7)), secretsFile: join(db.dataDir, 'secrets.json'), production: true });
  });
  afterEach(async () => {
    keyring.close();
    await database.close();
    await db.drop();
  });

  const channel = (max?: number) => createPushChannel({ db: database.db, clock, subject: SUBJECT, agent, ...(max !== undefined && { maxSubscriptionsPerToken: max }) });
  interface StoredRow {
    id: string;
    token_id: string;
    stored: string;
    disabled_at: number | null;
    last_error: string | null;
  }
  /** The rows as stored (the subscription under another name, so the database's plugin leaves it be). */
  const storedRows = async (): Promise<StoredRow[]> =>
    (await sql<StoredRow>`select id, token_id, push_subscription as stored, disabled_at, last_error from push_subscriptions order by id`.execute(database.db)).rows;

  describe('VAPID keys', () => {
    it('are made on the first call, read back the same on the next, with the private key stored encrypted', async () => {
      const first = await loadOrCreateVapidKeys(database.db, now, keyring);
      now += 60_000;
      const again = await loadOrCreateVapidKeys(database.db, now, keyring);
      expect(again).toEqual(first);
      expect(Buffer.from(first.publicKey, 'base64url')).toHaveLength(65);
      expect(Buffer.from(first.privateKey, 'base64url')).toHaveLength(32);

      const stored = JSON.parse((await readSetting(database.db, VAPID_SETTING_KEY))!.value) as { publicKey: string; privateKey: string };
      expect(stored.publicKey).toBe(first.publicKey);
      expect(stored.privateKey).not.toBe(first.privateKey);
      expect(stored.privateKey).toMatch(/^enc1\./);
      expect(stored.privateKey).not.toContain(first.privateKey);
    });

    it('are one pair when two instances start at once', async () => {
      const [a, b, c] = await Promise.all([0, 1, 2].map(() => loadOrCreateVapidKeys(database.db, now, keyring)));
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    });

    it('sign what the channel sends, and are the key the channel gives browsers', async () => {
      const push = channel();
      const publicKey = await push.publicKey();
      expect(publicKey).toBe((await loadOrCreateVapidKeys(database.db, now, keyring)).publicKey);
      const phone = browser(`${service.origin}/push/201/signed`);
      await push.subscribe('token-1', phone.subscription);
      await push.notify('token-1', PAYLOAD);
      vapidClaims(service.requests.at(-1)!.headers.authorization, publicKey);
    });
  });

  describe('subscriptions', () => {
    it('are stored encrypted, one per browser and visit, and read back whole', async () => {
      const phone = browser(`${service.origin}/push/201/stored`);
      const first = await repo.addSubscription(database.db, keyring, { tokenId: 'token-1', subscription: phone.subscription, at: now });
      expect(first.added).toBe(true);
      const [row] = await storedRows();
      expect(row!.stored).toMatch(/^enc1\./);
      expect(row!.stored).not.toContain('127.0.0.1');
      expect(row!.stored).not.toContain(phone.subscription.keys.auth);

      // The same browser again, with renewed keys: the row is updated, not doubled.
      const renewed = browser(phone.subscription.endpoint);
      expect(await repo.addSubscription(database.db, keyring, { tokenId: 'token-1', subscription: renewed.subscription, at: now })).toEqual({ id: first.id, added: false });
      // The same browser following another visit (a parent with two children's tokens) gets its own row.
      expect((await repo.addSubscription(database.db, keyring, { tokenId: 'token-2', subscription: renewed.subscription, at: now })).added).toBe(true);

      const active = await repo.activeSubscriptionsOf(database.db, keyring, 'token-1');
      expect(active).toEqual([{ id: first.id, token_id: 'token-1', created_at: now, subscription: renewed.subscription }]);
      expect(await repo.disable(database.db, first.id, 'gone', now)).toBe(true);
      expect(await repo.disable(database.db, first.id, 'gone', now)).toBe(false);
      expect(await repo.activeSubscriptionsOf(database.db, keyring, 'token-1')).toEqual([]);
      expect(await repo.countActive(database.db, 'token-2')).toBe(1);

      // Retention erases a visit's subscriptions, disabled or not, and nobody else's.
      await repo.addSubscription(database.db, keyring, { tokenId: 'token-3', subscription: browser(`${service.origin}/push/201/other`).subscription, at: now });
      expect(await repo.deleteOfTokens(database.db, ['token-1', 'token-2'])).toBe(2);
      expect((await storedRows()).map((r) => r.token_id)).toEqual(['token-3']);
    });

    it('are refused past the limit for one visit, except the same browser renewing its own', async () => {
      const push = channel(2);
      const phones = [0, 1, 2].map((i) => browser(`${service.origin}/push/201/cap-${i}`));
      await push.subscribe('token-1', phones[0]!.subscription);
      await push.subscribe('token-1', phones[1]!.subscription);
      await expect(push.subscribe('token-1', phones[2]!.subscription)).rejects.toBeInstanceOf(ConflictError);
      await expect(push.subscribe('token-1', phones[1]!.subscription)).resolves.toEqual({ added: false });
      await expect(push.subscribe('token-2', phones[2]!.subscription)).resolves.toEqual({ added: true });
      expect(MAX_SUBSCRIPTIONS_PER_TOKEN).toBeGreaterThan(1);
    });
  });

  describe('sending to a visit', () => {
    it('reaches every browser following it and disables the ones the push service says are gone', async () => {
      const push = channel();
      const [kept, gone, other] = [browser(`${service.origin}/push/201/kept`), browser(`${service.origin}/push/410/gone`), browser(`${service.origin}/push/201/other`)];
      await push.subscribe('token-1', kept.subscription);
      await push.subscribe('token-1', gone.subscription);
      await push.subscribe('token-2', other.subscription);
      const sentBefore = service.requests.length;

      now += 1000;
      expect(await push.notify('token-1', PAYLOAD)).toEqual({ sent: 1, disabled: 1 });
      const requests = service.requests.slice(sentBefore);
      expect(requests.map((r) => r.path).sort()).toEqual(['/push/201/kept', '/push/410/gone']);
      expect(JSON.parse(decrypt(requests.find((r) => r.path === '/push/201/kept')!.body, kept))).toEqual(PAYLOAD);

      const rows = await storedRows();
      const goneRow = rows.find((r) => r.disabled_at !== null)!;
      expect(goneRow).toMatchObject({ token_id: 'token-1', disabled_at: now });
      expect(goneRow.last_error).toContain('gone');
      expect(await push.subscriberCount('token-1')).toBe(1);
      // The gone browser is not tried again.
      await push.notify('token-1', PAYLOAD);
      expect(service.requests.slice(sentBefore).filter((r) => r.path === '/push/410/gone')).toHaveLength(1);
    });

    it('fails retryably when no browser took it and one may later, and says so when none follows the visit', async () => {
      const push = channel();
      await push.subscribe('token-1', browser(`${service.origin}/push/503/down`).subscription);
      await push.subscribe('token-1', browser(`${service.origin}/push/410/gone`).subscription);
      expect(await failureOf(push.notify('token-1', PAYLOAD))).toMatchObject({ retryable: true, status: 503 });
      expect(await push.subscriberCount('token-1')).toBe(1);
      expect((await storedRows()).find((r) => r.disabled_at === null)!.last_error).toContain('HTTP 503');

      expect(await failureOf(push.notify('token-9', PAYLOAD))).toMatchObject({ retryable: false, code: 'NO_SUBSCRIPTION' });
    });
  });

  describe('routes', () => {
    let app: FastifyInstance;
    const subscribed: string[] = [];
    const TOKENS: Record<string, { id: string; status: 'waiting' | 'completed'; departmentId: string }> = {
      'live-status-key-0123456789': { id: 'token-live', status: 'waiting', departmentId: 'dept-push' },
      'done-status-key-0123456789': { id: 'token-done', status: 'completed', departmentId: 'dept-push' },
      'sms-only-status-key-012345': { id: 'token-sms', status: 'waiting', departmentId: 'dept-no-push' },
    };

    beforeEach(async () => {
      subscribed.length = 0;
      app = Fastify().withTypeProvider<ZodTypeProvider>();
      app.setValidatorCompiler(validatorCompiler);
      app.setSerializerCompiler(() => (data) => JSON.stringify(data));
      await app.register(errorHandlerPlugin);
      await app.register(pushRoutes, {
        prefix: '/api/v1/public',
        push: channel(),
        tokenOfStatusKey: async (key) => TOKENS[key],
        pushOffered: async (departmentId) => departmentId === 'dept-push',
        onSubscribed: async (tokenId, statusKey) => void subscribed.push(`${tokenId} ${statusKey}`),
        rateLimitMultiplier: 1,
      });
      await app.ready();
    });
    afterEach(() => app.close());

    const subscribe = (payload: object) => app.inject({ method: 'POST', url: '/api/v1/public/push/subscribe', payload });
    const json = (subscription: PushSubscription) => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys });

    it('give the VAPID public key', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/public/push/key' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ publicKey: (await loadOrCreateVapidKeys(database.db, now, keyring)).publicKey });
    });

    it('keep a subscription for a live visit, as a browser sends it', async () => {
      const phone = browser(`${service.origin}/push/201/route`);
      const res = await subscribe({ statusKey: 'live-status-key-0123456789', subscription: json(phone.subscription) });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toEqual({ subscribed: true });
      expect(subscribed).toEqual(['token-live live-status-key-0123456789']);
      const [active] = await repo.activeSubscriptionsOf(database.db, keyring, 'token-live');
      expect(active!.subscription).toEqual(phone.subscription);
    });

    it('answer 404 for an unknown status key and 409 for a visit that has ended', async () => {
      const subscription = json(browser(`${service.origin}/push/201/route`).subscription);
      const unknown = await subscribe({ statusKey: 'no-such-status-key-0123456789', subscription });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
      const ended = await subscribe({ statusKey: 'done-status-key-0123456789', subscription });
      expect(ended.statusCode).toBe(409);
      expect(ended.json()).toMatchObject({ code: 'CONFLICT' });
      expect(subscribed).toEqual([]);
      expect(await storedRows()).toEqual([]);
    });

    it('answer 403 PUSH_DISABLED, keeping nothing, when the visit’s department sends no browser notifications', async () => {
      const res = await subscribe({ statusKey: 'sms-only-status-key-012345', subscription: json(browser(`${service.origin}/push/201/route`).subscription) });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'PUSH_DISABLED' });
      expect(subscribed).toEqual([]);
      expect(await storedRows()).toEqual([]);
    });

    it('tell the status page whether to offer notifications: yes for a live visit whose department sends them, no otherwise, 404 for an unknown key', async () => {
      const offer = (statusKey: string) => app.inject({ method: 'GET', url: `/api/v1/public/push/offer/${statusKey}` });
      expect((await offer('live-status-key-0123456789')).json()).toEqual({ offered: true });
      expect((await offer('sms-only-status-key-012345')).json()).toEqual({ offered: false });
      expect((await offer('done-status-key-0123456789')).json()).toEqual({ offered: false });
      const unknown = await offer('no-such-status-key-0123456789');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
      expect((await offer('k'.repeat(129))).statusCode).toBe(414);
    });

    it('refuse a plain-http endpoint, malformed keys, unknown fields and an over-long status key', async () => {
      const good = json(browser(`${service.origin}/push/201/route`).subscription);
      const statusKey = 'live-status-key-0123456789';
      for (const payload of [
        { statusKey, subscription: { ...good, endpoint: good.endpoint.replace('https:', 'http:') } },
        { statusKey, subscription: { ...good, endpoint: `https://push.test/${'a'.repeat(1000)}` } },
        { statusKey, subscription: { ...good, keys: { ...good.keys, p256dh: 'not-a-key' } } },
        { statusKey, subscription: { ...good, keys: { ...good.keys, auth: 'A'.repeat(101) } } },
        { statusKey, subscription: { ...good, keys: { ...good.keys, extra: 'x' } } },
        { statusKey, subscription: good, tokenId: 'token-done' },
        { statusKey: 'k'.repeat(129), subscription: good },
      ]) {
        const res = await subscribe(payload);
        expect(res.statusCode, JSON.stringify(payload).slice(0, 200)).toBe(400);
        expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
      }
      // Right shape, but not a point on the curve: the service refuses it before keeping it.
      const offCurve = { ...good, keys: { ...good.keys, p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url') } };
      expect((await subscribe({ statusKey, subscription: offCurve })).statusCode).toBe(400);
      expect(await storedRows()).toEqual([]);
    });
  });
});
