import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { ManualClock, TEST_PASSWORD, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

interface Session {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
  passwordChangeRequired?: boolean;
}

const CHROME_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const FIREFOX_ON_ANDROID = 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0';
const IDLE_MINUTES = 10;
const MAX_HOURS = 1;

const bearer = (s: Session) => ({ authorization: `Bearer ${s.accessToken}` });

/**
 * Issue 14's sessions: rotation with a grace window and reuse detection, logout that really ends
 * the session, my sessions and an admin's view of them, idle logoff and the absolute cap on the
 * server's clock, admin resets that force a change, disabling a user.
 */
describe.each(DIALECTS)('staff sessions on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let users = 0;

  beforeAll(async () => {
    clock = new ManualClock();
    t = await startTestApp(dialect, { clock, env: { SESSION_IDLE_MINUTES: String(IDLE_MINUTES), SESSION_MAX_HOURS: String(MAX_HOURS) } });
  });
  afterAll(() => t.close());

  async function newUser(): Promise<string> {
    users += 1;
    const email = `staff${users}@identity.test`;
    await t.app.services.users.createUser({ email, name: `Staff ${users}`, role: 'receptionist', password: TEST_PASSWORD });
    return email;
  }

  async function login(email: string, password = TEST_PASSWORD, userAgent = CHROME_ON_WINDOWS): Promise<Session> {
    const res = await t.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'user-agent': userAgent }, payload: { email, password } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Session>();
  }

  const me = async (s: Session) => (await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(s) })).statusCode;
  const refresh = (refreshToken: string) => t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
  const userIdOf = async (email: string) => (await t.inject({ method: 'GET', url: '/api/v1/users', headers: await t.as('admin') })).json<{ id: string; email: string }[]>().find((u) => u.email === email)!.id;
  const sessionIdOf = (s: Session) => (JSON.parse(Buffer.from(s.accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
  const endedReason = async (s: Session) =>
    (await t.app.database.db.selectFrom('sessions').select('ended_reason').where('id', '=', sessionIdOf(s)).executeTakeFirstOrThrow()).ended_reason;

  describe('refresh rotation', () => {
    it('gives two simultaneous refreshes of one token the same successor, and the session lives on', async () => {
      const s = await login(await newUser());
      const [one, two] = await Promise.all([refresh(s.refreshToken), refresh(s.refreshToken)]);
      expect([one.statusCode, two.statusCode]).toEqual([200, 200]);
      const successor = one.json<Session>().refreshToken;
      expect(two.json<Session>().refreshToken).toBe(successor);
      expect(successor).not.toBe(s.refreshToken);
      expect(await me(two.json<Session>())).toBe(200);
      expect((await refresh(successor)).statusCode).toBe(200);
    });

    it('ends the session when a spent token comes back after its successor was used (a copy), and records it', async () => {
      const email = await newUser();
      const s = await login(email);
      const next = (await refresh(s.refreshToken)).json<Session>();
      const third = (await refresh(next.refreshToken)).json<Session>();
      const since = t.security.length;
      const reused = await refresh(s.refreshToken);
      expect(reused.statusCode).toBe(401);
      expect(problemOf(reused).detail).toMatch(/already used/);
      expect(await me(third)).toBe(401);
      expect((await refresh(third.refreshToken)).statusCode).toBe(401);
      expect(await endedReason(s)).toBe('reuse');
      expect(t.security.slice(since).map((e) => e.type)).toContain('refresh.reused');
    });

    it('ends the session when a spent token comes back after the grace window, even with its successor unused', async () => {
      const s = await login(await newUser());
      const next = (await refresh(s.refreshToken)).json<Session>();
      clock.advance(21_000);
      expect((await refresh(s.refreshToken)).statusCode).toBe(401);
      expect((await refresh(next.refreshToken)).statusCode).toBe(401);
    });
  });

  describe('ended sessions', () => {
    it('are deleted, refresh tokens included, a month after they ended; live ones are kept', async () => {
      const email = await newUser();
      const ended = (await refresh((await login(email)).refreshToken)).json<Session>();
      expect((await t.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(ended) })).statusCode).toBe(204);
      const db = t.app.database.db;
      const rowsOf = async (s: Session) => {
        const sid = sessionIdOf(s);
        const sessions = await db.selectFrom('sessions').select('id').where('id', '=', sid).execute();
        const refreshTokens = await db.selectFrom('refresh_tokens').select('token_hash').where('session_id', '=', sid).execute();
        return { sessions: sessions.length, refreshTokens: refreshTokens.length };
      };
      expect(await rowsOf(ended)).toEqual({ sessions: 1, refreshTokens: 2 });
      clock.advanceMinutes(29 * 24 * 60);
      const live = await login(email);
      await t.app.services.auth.purge(clock.now());
      expect((await rowsOf(ended)).sessions).toBe(1);
      clock.advanceMinutes(2 * 24 * 60);
      await t.app.services.auth.purge(clock.now());
      expect(await rowsOf(ended)).toEqual({ sessions: 0, refreshTokens: 0 });
      expect(await rowsOf(live)).toEqual({ sessions: 1, refreshTokens: 1 });
    });
  });

  describe('logout', () => {
    it('answers an expired or forged Bearer with 401 and leaves the session alone', async () => {
      const s = await login(await newUser());
      const forged = await t.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: 'Bearer not.a.token' } });
      expect(forged.statusCode).toBe(401);
      expect(await me(s)).toBe(200);
    });

    it('ends the session named by a refresh token in the body: a device whose access token expired can sign out', async () => {
      const s = await login(await newUser());
      clock.advanceMinutes(5);
      const out = await t.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: s.refreshToken } });
      expect(out.statusCode).toBe(204);
      expect(await me(s)).toBe(401);
      expect((await refresh(s.refreshToken)).statusCode).toBe(401);
      const unknown = await t.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: 'never-issued' } });
      expect(unknown.statusCode).toBe(401);
    });
  });

  describe('my sessions', () => {
    it('lists them with device, address and times, ends one of them, and refuses to end anyone else’s', async () => {
      const email = await newUser();
      const desk = await login(email, TEST_PASSWORD, CHROME_ON_WINDOWS);
      const phone = await login(email, TEST_PASSWORD, FIREFOX_ON_ANDROID);
      const listed = await t.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(desk) });
      expect(listed.statusCode).toBe(200);
      const sessions = listed.json<{ id: string; device: string; ip: string; current: boolean; createdAt: string; lastSeenAt: string }[]>();
      expect(sessions.map((s) => [s.device, s.current]).sort()).toEqual([
        ['Chrome on Windows', true],
        ['Firefox on Android', false],
      ]);
      expect(sessions.every((s) => s.ip === '127.0.0.1' && !Number.isNaN(Date.parse(s.lastSeenAt)))).toBe(true);

      const other = sessions.find((s) => !s.current)!;
      const stranger = await login(await newUser());
      expect((await t.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${other.id}`, headers: bearer(stranger) })).statusCode).toBe(404);
      expect(await me(phone)).toBe(200);
      expect((await t.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${other.id}`, headers: bearer(desk) })).statusCode).toBe(204);
      expect(await me(phone)).toBe(401);
      expect(await me(desk)).toBe(200);
    });

    it('ends every one of them with logout-all, this one included', async () => {
      const email = await newUser();
      const one = await login(email);
      const two = await login(email);
      const res = await t.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: bearer(one) });
      expect(res.statusCode).toBe(204);
      expect([await me(one), await me(two)]).toEqual([401, 401]);
    });
  });

  describe('timeouts on the server', () => {
    it(`ends a session after ${IDLE_MINUTES} minutes without a request, although its access token is still valid`, async () => {
      const s = await login(await newUser());
      clock.advanceMinutes(IDLE_MINUTES - 1);
      expect(await me(s)).toBe(200);
      clock.advanceMinutes(IDLE_MINUTES - 1);
      expect(await me(s)).toBe(200);
      clock.advanceMinutes(IDLE_MINUTES + 1);
      expect(await me(s)).toBe(401);
      expect(await endedReason(s)).toBe('idle');
      expect((await refresh(s.refreshToken)).statusCode).toBe(401);
    });

    it('keeps a board signed in while it only listens (a device), until the absolute cap', async () => {
      users += 1;
      const email = `board${users}@identity.test`;
      await t.app.services.users.createUser({ email, name: 'Lobby board', role: 'display', password: TEST_PASSWORD });
      const board = await login(email);
      clock.advanceMinutes(IDLE_MINUTES * 2);
      expect(await me(board)).toBe(200);
      clock.advanceMinutes(MAX_HOURS * 60);
      expect(await me(board)).toBe(401);
    });

    it(`ends a session ${MAX_HOURS} hour after sign-in however busy it is`, async () => {
      let s = await login(await newUser());
      for (let minutes = 0; minutes < MAX_HOURS * 60 - 10; minutes += 8) {
        clock.advanceMinutes(8);
        const next = await refresh(s.refreshToken);
        expect(next.statusCode, `${minutes + 8} minutes in`).toBe(200);
        s = next.json<Session>();
        expect(await me(s)).toBe(200);
      }
      clock.advanceMinutes(11);
      expect(await me(s)).toBe(401);
      expect((await refresh(s.refreshToken)).statusCode).toBe(401);
    });
  });

  describe('the security log', () => {
    it('records a sign-in, a password change with the other sessions it ends, and a logout, with who, where and the request id', async () => {
      const email = await newUser();
      const since = t.security.length;
      const res = await t.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'user-agent': CHROME_ON_WINDOWS }, remoteAddress: '10.1.2.3', payload: { email, password: TEST_PASSWORD } });
      const s = res.json<Session>();
      const other = await login(email);
      const changed = await t.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(s), payload: { currentPassword: TEST_PASSWORD, newPassword: 'lantern orbit kettle meadow' } });
      expect(changed.statusCode).toBe(204);
      const out = await t.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(s) });
      expect(out.statusCode).toBe(204);
      const events = t.security.slice(since);
      const userId = s.user.id;
      expect(events.find((e) => e.type === 'login.succeeded' && e.sessionId === sessionIdOf(s))).toMatchObject({
        userId,
        context: { ip: '10.1.2.3', requestId: res.headers['x-request-id'], userAgent: CHROME_ON_WINDOWS },
      });
      expect(events.find((e) => e.type === 'password.changed')).toMatchObject({ userId, sessionId: sessionIdOf(s), context: { requestId: changed.headers['x-request-id'] } });
      expect(events.find((e) => e.type === 'sessions.ended')).toMatchObject({ userId, reason: 'password (1)' });
      expect(await me(other)).toBe(401);
      expect(events.find((e) => e.type === 'session.ended' && e.sessionId === sessionIdOf(s))).toMatchObject({ reason: 'logout' });
    });
  });

  describe('passwords', () => {
    it('changes mine with the current one, ending my other sessions and keeping this one', async () => {
      const email = await newUser();
      const here = await login(email);
      const there = await login(email);
      const wrong = await t.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(here), payload: { currentPassword: 'not it at all', newPassword: 'a fresh long passphrase' } });
      expect(wrong.statusCode).toBe(401);
      const short = await t.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(here), payload: { currentPassword: TEST_PASSWORD, newPassword: 'short' } });
      expect(short.statusCode).toBe(400);
      expect(problemOf(short).errors?.[0]?.path).toBe('body.newPassword');
      const ok = await t.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(here), payload: { currentPassword: TEST_PASSWORD, newPassword: 'a fresh long passphrase' } });
      expect(ok.statusCode, ok.body).toBe(204);
      expect([await me(here), await me(there)]).toEqual([200, 401]);
      expect(await me(await login(email, 'a fresh long passphrase'))).toBe(200);
    });

    it('refuses a password that is easy to guess, saying why, wherever one is set', async () => {
      const email = await newUser();
      const s = await login(email);
      for (const weak of ['password1234', 'qwertyuiop123', 'aaaaaaaaaaaaaaaa', `${email.split('@')[0]!}${email.split('@')[0]!}`]) {
        const res = await t.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(s), payload: { currentPassword: TEST_PASSWORD, newPassword: weak } });
        expect(res.statusCode, weak).toBe(400);
        expect(problemOf(res).errors).toEqual([{ path: 'body.newPassword', message: 'too easy to guess' }]);
        expect(problemOf(res).detail).toMatch(/^This password is too easy to guess\. .*Use a longer phrase/);
      }
      const common = await t.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(s), payload: { currentPassword: TEST_PASSWORD, newPassword: 'password1234' } });
      expect(problemOf(common).detail).toContain('common password');
      const created = await t.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: await t.as('admin'),
        payload: { email: 'weak@identity.test', name: 'Weak', role: 'doctor', password: 'letmein12345' },
      });
      expect(created.statusCode).toBe(400);
      expect(problemOf(created).errors?.[0]?.path).toBe('body.password');
      const same = await t.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(s), payload: { currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD } });
      expect(same.statusCode).toBe(400);
      expect(await me(s)).toBe(200);
    });

    it("an admin's reset ends the user's sessions and confines the temporary password to choosing a new one", async () => {
      const email = await newUser();
      const before = await login(email);
      const admin = await t.as('admin');
      const reset = await t.inject({ method: 'POST', url: `/api/v1/users/${await userIdOf(email)}/reset-password`, headers: admin });
      expect(reset.statusCode, reset.body).toBe(200);
      const { temporaryPassword } = reset.json<{ temporaryPassword: string }>();
      expect(await me(before)).toBe(401);

      const temporary = await login(email, temporaryPassword);
      expect(temporary.passwordChangeRequired).toBe(true);
      const who = await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(temporary) });
      expect(who.json()).toMatchObject({ email, passwordChangeRequired: true });
      const blocked = await t.inject({ method: 'GET', url: '/api/v1/departments', headers: bearer(temporary) });
      expect(blocked.statusCode).toBe(403);
      expect(problemOf(blocked).code).toBe('PASSWORD_CHANGE_REQUIRED');
      const changed = await t.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(temporary), payload: { currentPassword: temporaryPassword, newPassword: 'my own long passphrase' } });
      expect(changed.statusCode, changed.body).toBe(204);
      expect((await t.inject({ method: 'GET', url: '/api/v1/departments', headers: bearer(temporary) })).statusCode).toBe(200);
      expect((await login(email, 'my own long passphrase')).passwordChangeRequired).toBeUndefined();
    });
  });

  describe("an admin's view of a user", () => {
    it("lists a user's sessions and ends them all; other roles may not", async () => {
      const email = await newUser();
      const s = await login(email);
      const id = await userIdOf(email);
      const admin = await t.as('admin');
      const listed = await t.inject({ method: 'GET', url: `/api/v1/users/${id}/sessions`, headers: admin });
      expect(listed.statusCode).toBe(200);
      expect(listed.json<unknown[]>()).toHaveLength(1);
      const asReception = await t.inject({ method: 'DELETE', url: `/api/v1/users/${id}/sessions`, headers: bearer(await login(await newUser())) });
      expect(asReception.statusCode).toBe(403);
      expect((await t.inject({ method: 'DELETE', url: `/api/v1/users/${id}/sessions`, headers: admin })).statusCode).toBe(204);
      expect(await me(s)).toBe(401);
      // Nobody by that id: 404, not a success that ended nothing.
      for (const method of ['GET', 'DELETE'] as const) {
        const unknown = await t.inject({ method, url: '/api/v1/users/no-such-user/sessions', headers: admin });
        expect(unknown.statusCode, method).toBe(404);
        expect(problemOf(unknown).code).toBe('NOT_FOUND');
      }
    });

    it('disables a user: refused from the next request and at sign-in; enabled again, they sign in', async () => {
      const email = await newUser();
      const s = await login(email);
      const id = await userIdOf(email);
      const admin = await t.as('admin');
      const disabled = await t.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: admin, payload: { disabled: true } });
      expect(disabled.statusCode, disabled.body).toBe(200);
      expect(await me(s)).toBe(401);
      const listed = (await t.inject({ method: 'GET', url: '/api/v1/users', headers: admin })).json<{ id: string; disabled: boolean }[]>();
      expect(listed.find((u) => u.id === id)?.disabled).toBe(true);
      const refused = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: TEST_PASSWORD } });
      expect(refused.statusCode).toBe(401);
      expect((await t.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: admin, payload: { disabled: false, name: 'Staff again' } })).json()).toMatchObject({ name: 'Staff again' });
      expect(await me(await login(email))).toBe(200);
      const unknownField = await t.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: admin, payload: { password: 'x' } });
      expect(unknownField.statusCode).toBe(400);
    });
  });
});
