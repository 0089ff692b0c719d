import type { BoardView, CreatedDevice, Device, JoinCode, PairedDevice } from '@smart-token/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../../test/child-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { openSocket, type TestSocket } from '../../test/live-client.js';
import { StaffSignIn, fetchCall } from '../../test/admin-sign-in.js';
import { queueApi } from '../../test/queue-api.js';
import { ManualClock, TEST_PASSWORD, nextPhone, problemOf, startTestApp, testEnv, type TestApp } from '../../test/test-app.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DAY_MS = 24 * 60 * 60_000;
const MINUTE_MS = 60_000;
/** 10:00 in Kolkata (04:30 UTC) on a day still to come: access tokens are signed by this clock and checked by it. */
const tenInTheMorningAhead = () => Math.ceil(Date.now() / DAY_MS) * DAY_MS + (4 * 60 + 30) * MINUTE_MS;
type Dept = Awaited<ReturnType<TestApp['department']>>;

/** The cookie a response sets, as `name=value`, with its attributes. */
function setCookie(res: LightMyRequestResponse, name: string): { pair: string; attributes: string } | undefined {
  const raw = res.headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const found = all.find((c) => c.startsWith(`${name}=`));
  if (!found) return undefined;
  const [pair, ...attributes] = found.split(';');
  return { pair: pair!, attributes: attributes.join(';') };
}

describe.each(DIALECTS)('device keys, pairing and self check-in on %s', (dialect) => {
  let t: TestApp;
  let api: ReturnType<typeof queueApi>;
  let opd: Dept;
  let lab: Dept;
  let base: string;
  const sockets: TestSocket[] = [];
  const clock = new ManualClock(tenInTheMorningAhead());

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { RATE_LIMIT_MULTIPLIER: '1000000' } });
    api = queueApi(t);
    opd = await t.department({ code: 'OPD', name: 'General OPD', counters: 1 });
    lab = await t.department({ code: 'LAB', name: 'Laboratory', counters: 1 });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    base = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1/live`;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t?.close();
  });

  async function createDevice(body: Record<string, unknown>): Promise<CreatedDevice> {
    const res = await t.inject({ method: 'POST', url: '/api/v1/devices', headers: await t.as('admin'), payload: body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<CreatedDevice>();
  }
  /** As admin: counter staff are confined to their departments, which is not what these tests are about. */
  async function callNext(counterId: string): Promise<void> {
    const res = await t.inject({ method: 'POST', url: `/api/v1/counters/${counterId}/call-next`, headers: await t.as('admin') });
    expect(res.statusCode, res.body).toBe(200);
  }
  const withKey = (key: string) => ({ authorization: `ApiKey ${key}` });
  const board = (departmentId: string, headers: Record<string, string>, query = '') => t.inject({ method: 'GET', url: `/api/v1/departments/${departmentId}/board${query}`, headers });
  const checkIn = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.inject({ method: 'POST', url: '/api/v1/public/check-in', headers, payload: { name: 'Meera Iyer', phone: nextPhone(), ...payload } });
  async function listed(id: string): Promise<Device> {
    const res = await t.inject({ method: 'GET', url: '/api/v1/devices', headers: await t.as('admin') });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Device[]>().find((d) => d.id === id)!;
  }
  const revoke = async (id: string) => t.inject({ method: 'DELETE', url: `/api/v1/devices/${id}`, headers: await t.as('admin') });
  const pair = (pairingCode: string, headers: Record<string, string> = {}) => t.inject({ method: 'POST', url: '/api/v1/public/devices/pair', headers, payload: { pairingCode } });

  it('creates a key shown once (a recognisable prefix, stored hashed) and lists it without the key', async () => {
    const created = await createDevice({ name: 'Waiting hall TV', role: 'display', departmentIds: [opd.id] });
    expect(created.key).toMatch(/^stk_[a-z0-9]{6}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
    expect(created.pairingCode).toMatch(/^\d{8}$/);
    expect(Date.parse(created.expiresAt) - clock.now()).toBe(10 * MINUTE_MS);
    const row = await t.app.database.db.selectFrom('devices').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.key_hash).not.toContain(created.key.slice(11));
    expect(JSON.stringify(row)).not.toContain(created.key);
    const device = await listed(created.id);
    expect(device).toEqual({ id: created.id, name: 'Waiting hall TV', role: 'display', prefix: created.prefix, departmentIds: [opd.id], privacy: 'token', createdAt: new Date(clock.now()).toISOString(), lastUsedAt: null });
    expect(JSON.stringify(device)).not.toContain(created.key.slice(11));
    expect(t.security.find((e) => e.type === 'device.created' && e.deviceId === created.id)?.context?.requestId).toBeTruthy();
  });

  it('refuses bad devices with a problem naming the field, and only an admin may manage them', async () => {
    const admin = await t.as('admin');
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'TV', role: 'doctor', departmentIds: [opd.id] }, 'body.role'],
      [{ name: 'TV', role: 'display', departmentIds: [] }, 'body.departmentIds'],
      [{ name: 'TV', role: 'display', departmentIds: ['no-such-department'] }, 'body.departmentIds'],
      [{ name: '', role: 'display', departmentIds: [opd.id] }, 'body.name'],
      [{ name: 'TV', role: 'display', departmentIds: [opd.id], colour: 'red' }, 'body'],
    ];
    for (const [payload, path] of cases) {
      const res = await t.inject({ method: 'POST', url: '/api/v1/devices', headers: admin, payload });
      expect(res.statusCode, res.body).toBe(400);
      expect(problemOf(res).errors?.map((e) => e.path).join(' ')).toContain(path);
    }
    for (const role of ['receptionist', 'doctor', 'display', 'kiosk'] as const) {
      const res = await t.inject({ method: 'POST', url: '/api/v1/devices', headers: await t.as(role), payload: { name: 'TV', role: 'display', departmentIds: [opd.id] } });
      expect(res.statusCode).toBe(403);
    }
    expect((await t.inject({ method: 'GET', url: '/api/v1/devices' })).statusCode).toBe(401);
    expect((await revoke('no-such-device')).statusCode).toBe(404);
  });

  it('a display key works for its role only, for its departments only, with the privacy its key fixes', async () => {
    const tv = await createDevice({ name: 'OPD board', role: 'display', departmentIds: [opd.id], privacy: 'initials' });
    await api.issue(opd.id, undefined, 'Ravi Kumar');
    await callNext(opd.counters[0]!.id);

    const shown = await board(opd.id, withKey(tv.key), '?privacy=token');
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json<BoardView>().nowServing[0]?.initials).toBe('R.K.');
    // Staff keep choosing, as before.
    expect((await board(opd.id, await t.as('receptionist'))).json<BoardView>().nowServing[0]?.initials).toBeUndefined();

    const other = await board(lab.id, withKey(tv.key));
    expect(other.statusCode).toBe(403);
    expect(problemOf(other).code).toBe('FORBIDDEN');
    expect((await t.inject({ method: 'GET', url: `/api/v1/departments/${lab.id}/board-settings`, headers: withKey(tv.key) })).statusCode).toBe(403);
    // Staff routes are not a board's.
    const issue = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: withKey(tv.key), payload: { departmentId: opd.id, patient: { name: 'X', phone: nextPhone() } } });
    expect(issue.statusCode).toBe(403);
    expect((await t.inject({ method: 'GET', url: '/api/v1/devices', headers: withKey(tv.key) })).statusCode).toBe(403);
    expect((await t.inject({ method: 'GET', url: `/api/v1/departments/${opd.id}/queue`, headers: withKey(tv.key) })).statusCode).toBe(403);

    const plain = await createDevice({ name: 'OPD board 2', role: 'display', departmentIds: [opd.id, lab.id] });
    expect((await board(opd.id, withKey(plain.key), '?privacy=initials')).json<BoardView>().nowServing[0]?.initials).toBeUndefined();
    expect((await board(lab.id, withKey(plain.key))).statusCode).toBe(200);

    const kiosk = await createDevice({ name: 'OPD kiosk', role: 'kiosk', departmentIds: [opd.id] });
    expect((await board(opd.id, withKey(kiosk.key))).statusCode).toBe(403);

    // A board's socket: its departments only, with its key's privacy.
    const socket = await openSocket(base, withKey(tv.key));
    sockets.push(socket);
    socket.send({ action: 'subscribe', topic: 'department', departmentId: lab.id });
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ code: 'FORBIDDEN' });
    socket.send({ action: 'subscribe', topic: 'department', departmentId: opd.id, privacy: 'token' });
    await socket.next((m) => m.type === 'subscribed');
    await api.issue(opd.id, undefined, 'Sita Devi');
    await callNext(opd.counters[0]!.id);
    expect(await socket.next((m) => m.type === 'token.called')).toMatchObject({ token: { initials: 'S.D.' } });

    expect((await t.inject({ method: 'GET', url: '/api/v1/departments/x/board', headers: { authorization: 'ApiKey stk_nothing_here' } })).statusCode).toBe(401);
    expect((await t.inject({ method: 'GET', url: '/api/v1/departments/x/board', headers: { authorization: 'Token abc' } })).statusCode).toBe(401);
  });

  it('writes last use at most once a minute', async () => {
    const tv = await createDevice({ name: 'Lab board', role: 'display', departmentIds: [lab.id] });
    const first = clock.now();
    expect((await board(lab.id, withKey(tv.key))).statusCode).toBe(200);
    expect((await listed(tv.id)).lastUsedAt).toBe(new Date(first).toISOString());
    clock.advance(30_000);
    await board(lab.id, withKey(tv.key));
    const row = await t.app.database.db.selectFrom('devices').select('last_used_at').where('id', '=', tv.id).executeTakeFirstOrThrow();
    expect(Number(row.last_used_at)).toBe(first);
    clock.advance(31_000);
    await board(lab.id, withKey(tv.key));
    expect((await listed(tv.id)).lastUsedAt).toBe(new Date(first + 61_000).toISOString());
    // The first use is a security event, and so is a use after a quiet hour; the uses between are not.
    const used = () => t.security.filter((e) => e.type === 'device.used' && e.deviceId === tv.id).map((e) => e.reason);
    expect(used()).toEqual(['first use']);
    clock.advance(2 * 60 * 60_000);
    await board(lab.id, withKey(tv.key));
    expect(used()).toEqual(['first use', 'used again after a quiet hour']);
  });

  it('a revoked key is refused from the next request, its socket closes at once, and the refusal is logged', async () => {
    const tv = await createDevice({ name: 'Doomed board', role: 'display', departmentIds: [opd.id] });
    expect((await board(opd.id, withKey(tv.key))).statusCode).toBe(200);
    const socket = await openSocket(base, withKey(tv.key));
    sockets.push(socket);
    socket.send({ action: 'subscribe', topic: 'department', departmentId: opd.id });
    await socket.next((m) => m.type === 'subscribed');

    const res = await revoke(tv.id);
    expect(res.statusCode, res.body).toBe(204);
    expect((await socket.closed).code).toBe(1008);
    const refused = await board(opd.id, withKey(tv.key));
    expect(refused.statusCode).toBe(401);
    expect(problemOf(refused).code).toBe('UNAUTHENTICATED');
    await expect(openSocket(base, withKey(tv.key))).rejects.toThrow(/401/);
    expect((await listed(tv.id)).revokedAt).toBe(new Date(clock.now()).toISOString());
    const event = t.security.find((e) => e.type === 'device.refused' && e.deviceId === tv.id);
    expect(event?.context?.ip).toBeTruthy();
    expect(event?.context?.requestId).toBe(refused.headers['x-request-id']);
    expect(t.security.some((e) => e.type === 'device.revoked' && e.deviceId === tv.id)).toBe(true);
    // Revoking again changes nothing; a revoked device gets no new pairing code.
    expect((await revoke(tv.id)).statusCode).toBe(204);
    const renew = await t.inject({ method: 'POST', url: `/api/v1/devices/${tv.id}/pairing-code`, headers: await t.as('admin') });
    expect(renew.statusCode).toBe(409);
  });

  it('a pairing code pairs one screen once, sets a long-lived HttpOnly SameSite=Strict cookie, and expires', async () => {
    const tv = await createDevice({ name: 'Corridor TV', role: 'display', departmentIds: [opd.id], privacy: 'initials' });
    const paired = await pair(tv.pairingCode.replace(/(\d{4})(\d{4})/, '$1 $2'));
    expect(paired.statusCode, paired.body).toBe(200);
    const body = paired.json<PairedDevice>();
    expect(body.device).toEqual({ id: tv.id, name: 'Corridor TV', role: 'display', departmentIds: [opd.id], privacy: 'initials' });
    expect(paired.body).not.toContain(tv.key);
    const cookie = setCookie(paired, 'st_device')!;
    expect(cookie.attributes).toMatch(/HttpOnly/i);
    expect(cookie.attributes).toMatch(/SameSite=Strict/i);
    expect(Number(/Max-Age=(\d+)/i.exec(cookie.attributes)?.[1])).toBeGreaterThan(300 * 24 * 60 * 60);
    expect(t.security.some((e) => e.type === 'device.paired' && e.deviceId === tv.id && e.context?.requestId === paired.headers['x-request-id'])).toBe(true);

    // The screen runs on its cookie: no staff login, its key's privacy.
    const viaCookie = await board(opd.id, { cookie: cookie.pair });
    expect(viaCookie.statusCode, viaCookie.body).toBe(200);
    const me = await t.inject({ method: 'GET', url: '/api/v1/devices/me', headers: { cookie: cookie.pair } });
    expect(me.json<PairedDevice>()).toEqual(body);

    // Single use.
    const again = await pair(tv.pairingCode);
    expect(again.statusCode).toBe(401);
    expect(problemOf(again).code).toBe('INVALID_CREDENTIALS');

    // A renewed code expires after ten minutes.
    const renewed = await t.inject({ method: 'POST', url: `/api/v1/devices/${tv.id}/pairing-code`, headers: await t.as('admin') });
    expect(renewed.statusCode, renewed.body).toBe(200);
    clock.advance(10 * MINUTE_MS + 1000);
    expect((await pair(renewed.json<{ pairingCode: string }>().pairingCode)).statusCode).toBe(401);
    const fresh = await t.inject({ method: 'POST', url: `/api/v1/devices/${tv.id}/pairing-code`, headers: await t.as('admin') });
    const secondScreen = await pair(fresh.json<{ pairingCode: string }>().pairingCode);
    expect(secondScreen.statusCode).toBe(200);
    // A new pairing replaces the first screen's key; the admin's API key still works.
    expect((await board(opd.id, { cookie: cookie.pair })).statusCode).toBe(401);
    expect((await board(opd.id, { cookie: setCookie(secondScreen, 'st_device')!.pair })).statusCode).toBe(200);
    expect((await board(opd.id, withKey(tv.key))).statusCode).toBe(200);

    // Revoked: the screen's cookie is refused too.
    await revoke(tv.id);
    expect((await board(opd.id, { cookie: setCookie(secondScreen, 'st_device')!.pair })).statusCode).toBe(401);
  });

  it('wrong pairing codes lock the address out after five, and bad codes are 400 naming the field', async () => {
    const tv = await createDevice({ name: 'Lockout TV', role: 'display', departmentIds: [opd.id] });
    const from = { 'x-forwarded-for': '10.9.8.7' };
    const malformed = await pair('12ab');
    expect(malformed.statusCode).toBe(400);
    expect(problemOf(malformed).errors?.[0]?.path).toBe('body.pairingCode');
    const wrong = tv.pairingCode === '00000000' ? '00000001' : '00000000';
    for (let i = 0; i < 5; i++) expect((await pair(wrong, from)).statusCode).toBe(401);
    // t.inject comes from 127.0.0.1 whatever the header says (no trusted proxy): this address is now locked.
    const locked = await pair(tv.pairingCode, from);
    expect(locked.statusCode).toBe(429);
    expect(problemOf(locked).code).toBe('RATE_LIMITED');
    clock.advance(15 * MINUTE_MS + 1000);
    const renewed = await t.inject({ method: 'POST', url: `/api/v1/devices/${tv.id}/pairing-code`, headers: await t.as('admin') });
    expect((await pair(renewed.json<{ pairingCode: string }>().pairingCode)).statusCode).toBe(200);
  });

  describe('self check-in', () => {
    it('off: nobody checks in by themselves, kiosk or not', async () => {
      const closed = await t.department({ code: 'OFF', name: 'Closed Clinic', selfCheckIn: 'off' });
      const kiosk = await createDevice({ name: 'Closed kiosk', role: 'kiosk', departmentIds: [closed.id] });
      for (const headers of [{}, withKey(kiosk.key)]) {
        const res = await checkIn({ departmentId: closed.id }, headers);
        expect(res.statusCode).toBe(403);
        expect(problemOf(res).code).toBe('SELF_CHECK_IN_DISABLED');
      }
    });

    it('kiosk (the default): only a kiosk credential whose departments include it', async () => {
      const walkIn = await t.department({ code: 'WLK', name: 'Walk-in' });
      const created = await t.inject({ method: 'GET', url: `/api/v1/departments/${walkIn.id}`, headers: await t.as('admin') });
      expect(created.json<{ selfCheckIn: string }>().selfCheckIn).toBe('kiosk');
      const ours = await createDevice({ name: 'Walk-in kiosk', role: 'kiosk', departmentIds: [walkIn.id] });
      const theirs = await createDevice({ name: 'Lab kiosk', role: 'kiosk', departmentIds: [lab.id] });
      const tv = await createDevice({ name: 'Walk-in board', role: 'display', departmentIds: [walkIn.id] });

      const anonymous = await checkIn({ departmentId: walkIn.id });
      expect(anonymous.statusCode).toBe(403);
      expect(problemOf(anonymous).detail).toContain('kiosk');
      expect((await checkIn({ departmentId: walkIn.id }, withKey(theirs.key))).statusCode).toBe(403);
      expect((await checkIn({ departmentId: walkIn.id }, withKey(tv.key))).statusCode).toBe(403);
      const atKiosk = await checkIn({ departmentId: walkIn.id }, withKey(ours.key));
      expect(atKiosk.statusCode, atKiosk.body).toBe(201);
      expect(atKiosk.json<{ number: string }>().number).toBe('WLK-001');
      // A signed-in kiosk account (no departments of its own) works as before.
      expect((await checkIn({ departmentId: walkIn.id }, await t.as('kiosk'))).statusCode).toBe(201);
      // A revoked kiosk key is refused outright.
      await revoke(ours.id);
      expect((await checkIn({ departmentId: walkIn.id }, withKey(ours.key))).statusCode).toBe(401);

      // A paired kiosk on its cookie: a write needs the CSRF token it was given, else it is anonymous.
      const screen = await createDevice({ name: 'Walk-in kiosk 2', role: 'kiosk', departmentIds: [walkIn.id] });
      const paired = await pair(screen.pairingCode);
      const cookie = setCookie(paired, 'st_device')!.pair;
      expect((await checkIn({ departmentId: walkIn.id }, { cookie })).statusCode).toBe(403);
      const withCsrf = await checkIn({ departmentId: walkIn.id }, { cookie, 'x-csrf-token': paired.json<PairedDevice>().csrfToken });
      expect(withCsrf.statusCode, withCsrf.body).toBe(201);
    });

    it('phone: needs the current join code; a code from yesterday is refused, the previous period only for a few minutes', async () => {
      const phone = await t.department({ code: 'PHN', name: 'Phone OPD', selfCheckIn: 'phone' });
      expect((await t.inject({ method: 'GET', url: `/api/v1/departments/${phone.id}/join-code`, headers: await t.as('doctor') })).statusCode).toBe(403);
      const read = await t.inject({ method: 'GET', url: `/api/v1/departments/${phone.id}/join-code`, headers: await t.as('receptionist') });
      expect(read.statusCode, read.body).toBe(200);
      const code = read.json<JoinCode>();
      expect(code.url).toBe(`http://clinic.test/join/${phone.id}#${code.joinCode}`);
      expect(code.rotation).toBe('daily');
      // Midnight in Kolkata (18:30 UTC).
      expect(new Date(code.validUntil).getUTCHours() * 60 + new Date(code.validUntil).getUTCMinutes()).toBe(18 * 60 + 30);

      const page = await t.inject({ method: 'GET', url: `/api/v1/public/join/${phone.id}` });
      expect(page.json()).toEqual({ departmentName: 'Phone OPD', names: {} });
      expect((await t.inject({ method: 'GET', url: `/api/v1/public/join/${opd.id}` })).statusCode).toBe(404);

      expect((await checkIn({ departmentId: phone.id })).statusCode).toBe(403);
      const wrong = await checkIn({ departmentId: phone.id, joinCode: 'ABCDEFGHJK' });
      expect(wrong.statusCode).toBe(403);
      expect(problemOf(wrong).code).toBe('FORBIDDEN');
      const joined = await checkIn({ departmentId: phone.id, joinCode: code.joinCode.toLowerCase() });
      expect(joined.statusCode, joined.body).toBe(201);
      expect(joined.json<{ statusUrl: string }>().statusUrl).toMatch(/^http:\/\/clinic\.test\/s\//);

      // Five minutes into the next day yesterday's code still works; a day later it does not.
      clock.set(Date.parse(code.validUntil) + 5 * MINUTE_MS);
      expect((await checkIn({ departmentId: phone.id, joinCode: code.joinCode })).statusCode).toBe(201);
      clock.advance(DAY_MS);
      const stale = await checkIn({ departmentId: phone.id, joinCode: code.joinCode });
      expect(stale.statusCode).toBe(403);
      const today = (await t.inject({ method: 'GET', url: `/api/v1/departments/${phone.id}/join-code`, headers: await t.as('admin') })).json<JoinCode>();
      expect(today.joinCode).not.toBe(code.joinCode);
      expect((await checkIn({ departmentId: phone.id, joinCode: today.joinCode })).statusCode).toBe(201);
    });

    it('phone, hourly: the code changes on the hour and the previous one lapses after its grace', async () => {
      const hourly = await t.department({ code: 'HRL', name: 'Hourly OPD', selfCheckIn: 'phone', joinCodeRotation: 'hourly' });
      const code = (await t.inject({ method: 'GET', url: `/api/v1/departments/${hourly.id}/join-code`, headers: await t.as('admin') })).json<JoinCode>();
      expect(code.rotation).toBe('hourly');
      expect(Date.parse(code.validUntil) - clock.now()).toBeLessThanOrEqual(60 * MINUTE_MS);
      clock.set(Date.parse(code.validUntil) + 11 * MINUTE_MS);
      expect((await checkIn({ departmentId: hourly.id, joinCode: code.joinCode })).statusCode).toBe(403);
      // Back to the daily code through PATCH.
      const patched = await t.inject({ method: 'PATCH', url: `/api/v1/departments/${hourly.id}`, headers: await t.as('admin'), payload: { joinCodeRotation: null, selfCheckIn: 'off' } });
      expect(patched.json()).toMatchObject({ joinCodeRotation: null, selfCheckIn: 'off' });
      const bad = await t.inject({ method: 'PATCH', url: `/api/v1/departments/${hourly.id}`, headers: await t.as('admin'), payload: { selfCheckIn: 'everyone' } });
      expect(bad.statusCode).toBe(400);
      expect(problemOf(bad).errors?.[0]?.path).toBe('body.selfCheckIn');
    });
  });
});

describe.runIf(DIALECTS.includes('postgres'))('device revocation across two instances on PostgreSQL + Redis', () => {
  let db: TestDatabase;
  let a: ChildServer;
  let b: ChildServer;
  let admin: Record<string, string>;

  beforeAll(async () => {
    db = await freshDatabase('postgres');
    const env = { ...testEnv(db), REDIS_URL, ADMIN_EMAIL: 'admin@devices.test', ADMIN_PASSWORD: TEST_PASSWORD };
    a = await startChildServer(env);
    b = await startChildServer(env);
    const session = await new StaffSignIn(fetchCall(a.url)).signIn('admin@devices.test', TEST_PASSWORD);
    admin = { authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('a key revoked on instance A is refused by instance B at once, and its socket on B closes', async () => {
    const dept = (await (await fetch(`${a.url}/api/v1/departments`, { method: 'POST', headers: admin, body: JSON.stringify({ code: 'TWO', name: 'Two' }) })).json()) as { id: string };
    const created = (await (await fetch(`${a.url}/api/v1/devices`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'TV', role: 'display', departmentIds: [dept.id] }) })).json()) as CreatedDevice;
    const key = { authorization: `ApiKey ${created.key}` };
    // B has the device cached now.
    expect((await fetch(`${b.url}/api/v1/departments/${dept.id}/board`, { headers: key })).status).toBe(200);
    const socket = await openSocket(`${b.url.replace('http', 'ws')}/api/v1/live`, key);
    socket.send({ action: 'subscribe', topic: 'department', departmentId: dept.id });
    await socket.next((m) => m.type === 'subscribed');

    const revoked = await fetch(`${a.url}/api/v1/devices/${created.id}`, { method: 'DELETE', headers: { authorization: admin.authorization! } });
    expect(revoked.status).toBe(204);
    expect((await fetch(`${b.url}/api/v1/departments/${dept.id}/board`, { headers: key })).status).toBe(401);
    const started = Date.now();
    expect((await socket.closed).code).toBe(1008);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
