import type { LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { ManualClock, TEST_PASSWORD, TEST_SECRET, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

interface Session {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  refreshToken: string;
  csrfToken: string;
  user: { id: string; email: string; name: string; role: string };
}

const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const LOGOUT = '/api/v1/auth/logout';
const ME = '/api/v1/auth/me';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function cookie(res: LightMyRequestResponse, name: string) {
  const found = res.cookies.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
  return found;
}

describe.each(DIALECTS)('authentication on %s', (dialect) => {
  let t: TestApp;
  let userCount = 0;

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t.close());

  /** A fresh user of its own, so lockouts and revocations in one test never touch another. */
  async function newUser(role: 'admin' | 'receptionist' | 'doctor' = 'receptionist') {
    userCount += 1;
    const email = `user${userCount}@auth.test`;
    await t.app.services.users.createUser({ email, name: `User ${userCount}`, role, password: TEST_PASSWORD });
    return email;
  }

  const login = (email: string, password = TEST_PASSWORD) => t.inject({ method: 'POST', url: LOGIN, payload: { email, password } });

  async function session(email: string): Promise<{ res: LightMyRequestResponse; body: Session }> {
    const res = await login(email);
    expect(res.statusCode, res.body).toBe(200);
    return { res, body: res.json<Session>() };
  }

  const me = (headers: Record<string, string>, cookies?: Record<string, string>) =>
    t.inject({ method: 'GET', url: ME, headers, ...(cookies && { cookies }) });

  it('answers a login with a bearer token, its lifetime and the user, and no password or hash', async () => {
    const email = await newUser('doctor');
    const { res, body } = await session(email);
    expect(body).toMatchObject({ tokenType: 'Bearer', user: { email, name: expect.any(String), role: 'doctor', id: expect.any(String) } });
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(body.expiresIn).toBeGreaterThan(0);
    expect(Object.keys(body.user).sort()).toEqual(['email', 'id', 'name', 'role']);
    expect(res.body).not.toMatch(/password|hash|\$argon2/i);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('stores a password as argon2id at OWASP’s minimum (19 MiB, 2 passes, 1 lane), never as itself', async () => {
    const email = await newUser();
    const { password_hash: hash } = await t.app.database.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hash).not.toContain(TEST_PASSWORD);
  });

  it('sets the session cookies HttpOnly and SameSite=Strict', async () => {
    const { res, body } = await session(await newUser());
    const access = cookie(res, 'st_access');
    const refresh = cookie(res, 'st_refresh');
    expect(access).toMatchObject({ value: body.accessToken, httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(refresh).toMatchObject({ value: body.refreshToken, httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' });
    expect(access.maxAge).toBe(body.expiresIn);
    expect(refresh.maxAge).toBeGreaterThan(body.expiresIn);
  });

  it('answers a wrong password and an unknown email with the same 401 body apart from the request id', async () => {
    const email = await newUser();
    const wrong = await login(email, 'not the right password');
    const unknown = await login('nobody-here@auth.test', 'not the right password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const { requestId: wrongId, ...wrongBody } = problemOf(wrong) as unknown as Record<string, unknown>;
    const { requestId: unknownId, ...unknownBody } = problemOf(unknown) as unknown as Record<string, unknown>;
    expect(wrongBody.code).toBe('INVALID_CREDENTIALS');
    expect(unknownBody).toEqual(wrongBody);
    expect(wrongId).not.toBe(unknownId);
  });

  it('reads the email case-insensitively', async () => {
    const email = await newUser();
    expect((await login(`  ${email.toUpperCase()} `)).statusCode).toBe(200);
  });

  /** What the lockout did with each attempt for this account: checked against the hash, or refused as locked. */
  function outcomes(email: string, since: number) {
    return t.security.slice(since).filter((e) => (e.type === 'login.failed' || e.type === 'login.locked') && e.context !== undefined).map((e) => ({ type: e.type, ip: e.context!.ip, userId: e.userId, email }));
  }

  const loginFrom = (ip: string, email: string, password = TEST_PASSWORD) => t.inject({ method: 'POST', url: LOGIN, remoteAddress: ip, payload: { email, password } });
  const withoutRequestId = (res: LightMyRequestResponse) => {
    const { requestId: _id, ...rest } = problemOf(res) as unknown as Record<string, unknown>;
    return rest;
  };

  it('locks an account at one address after 5 failures: the 6th, even with the right password, gets the very answer of a wrong password', async () => {
    const email = await newUser();
    const since = t.security.length;
    const wrong = await loginFrom('10.1.0.1', email, 'wrong password 0');
    for (let i = 1; i < 5; i++) expect((await loginFrom('10.1.0.1', email, `wrong password ${i}`)).statusCode).toBe(401);
    const locked = await loginFrom('10.1.0.1', email);
    expect(locked.statusCode).toBe(401);
    expect(withoutRequestId(locked)).toEqual(withoutRequestId(wrong));
    expect(locked.headers['retry-after']).toBeUndefined();
    expect(outcomes(email, since).map((o) => o.type)).toEqual([...Array<string>(5).fill('login.failed'), 'login.locked']);
  });

  it('does not let a stranger lock staff out: failures at one address leave the account open at another', async () => {
    const email = await newUser();
    for (let i = 0; i < 6; i++) expect((await loginFrom('203.0.113.9', email, `stranger ${i}`)).statusCode).toBe(401);
    expect((await loginFrom('203.0.113.9', email)).statusCode).toBe(401);
    expect((await loginFrom('10.2.0.7', email)).statusCode).toBe(200);
  });

  it('locks the whole account after many failures from several addresses, until an admin unlocks it', async () => {
    const email = await newUser();
    const since = t.security.length;
    // 5 per address, 6 addresses: the 30th failure locks the account everywhere.
    for (let address = 1; address <= 6; address++) {
      for (let i = 0; i < 5; i++) expect((await loginFrom(`198.51.100.${address}`, email, `spray ${i}`)).statusCode).toBe(401);
    }
    expect(outcomes(email, since).filter((o) => o.type === 'login.failed')).toHaveLength(30);
    const elsewhere = await loginFrom('10.3.0.3', email);
    expect(elsewhere.statusCode).toBe(401);
    expect(outcomes(email, since).at(-1)?.type).toBe('login.locked');

    const admin = await t.as('admin');
    const listed = async () => (await t.inject({ method: 'GET', url: '/api/v1/users', headers: admin })).json<{ id: string; email: string; locked: boolean; disabled: boolean }[]>().find((u) => u.email === email)!;
    expect(await listed()).toMatchObject({ locked: true, disabled: false });
    const { id } = await listed();
    const unlocked = await t.inject({ method: 'POST', url: `/api/v1/users/${id}/unlock`, headers: admin });
    expect(unlocked.statusCode, unlocked.body).toBe(204);
    expect(await listed()).toMatchObject({ locked: false });
    expect((await loginFrom('10.3.0.3', email)).statusCode).toBe(200);
    expect((await loginFrom('198.51.100.1', email)).statusCode).toBe(200);
  });

  it('locks an email that does not exist the same way, so a lock does not reveal which accounts exist', async () => {
    const since = t.security.length;
    const first = await loginFrom('10.4.0.4', 'ghost@auth.test', 'guess 0');
    for (let i = 1; i < 5; i++) expect((await loginFrom('10.4.0.4', 'ghost@auth.test', `guess ${i}`)).statusCode).toBe(401);
    const locked = await loginFrom('10.4.0.4', 'ghost@auth.test', 'guess 6');
    expect(locked.statusCode).toBe(401);
    expect(withoutRequestId(locked)).toEqual(withoutRequestId(first));
    expect(outcomes('ghost@auth.test', since).map((o) => o.type)).toEqual([...Array<string>(5).fill('login.failed'), 'login.locked']);
  });

  it('lets at most 5 of a burst of simultaneous wrong passwords be tried before the lock', async () => {
    const email = await newUser();
    const since = t.security.length;
    const answers = await Promise.all(Array.from({ length: 15 }, (_, i) => loginFrom('10.5.0.5', email, `parallel guess ${i}`)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array<number>(15).fill(401));
    const seen = outcomes(email, since);
    expect(seen).toHaveLength(15);
    expect(seen.filter((o) => o.type === 'login.failed').length).toBeLessThanOrEqual(5);
    expect((await loginFrom('10.5.0.5', email)).statusCode).toBe(401);
    expect(outcomes(email, since).at(-1)?.type).toBe('login.locked');
  });

  it('forgets earlier failures after a successful login', async () => {
    const email = await newUser();
    for (let i = 0; i < 4; i++) await login(email, `wrong ${i}`);
    expect((await login(email)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login(email, `wrong again ${i}`)).statusCode).toBe(401);
    expect((await login(email)).statusCode).toBe(200);
  });

  it('tells the signed-in user who they are through /auth/me', async () => {
    const email = await newUser('admin');
    const { body } = await session(email);
    const res = await me(bearer(body.accessToken));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ...body.user, twoFactorEnabled: false, mfaEnrolmentRequired: true, departmentIds: null });
    expect(problemOf(await me({})).code).toBe('UNAUTHENTICATED');
  });

  it('exchanges a refresh token from the body for a new pair and spends the old one', async () => {
    const { body: first } = await session(await newUser());
    const refreshed = await t.inject({ method: 'POST', url: REFRESH, payload: { refreshToken: first.refreshToken } });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const second = refreshed.json<Session>();
    expect(second.tokenType).toBe('Bearer');
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect((await me(bearer(second.accessToken))).statusCode).toBe(200);
    expect(cookie(refreshed, 'st_refresh').value).toBe(second.refreshToken);
  });

  it('ends the whole session when a spent refresh token is presented again', async () => {
    const { body: first } = await session(await newUser());
    const second = (await t.inject({ method: 'POST', url: REFRESH, payload: { refreshToken: first.refreshToken } })).json<Session>();
    const third = (await t.inject({ method: 'POST', url: REFRESH, payload: { refreshToken: second.refreshToken } })).json<Session>();
    expect((await me(bearer(third.accessToken))).statusCode).toBe(200);

    const replay = await t.inject({ method: 'POST', url: REFRESH, payload: { refreshToken: first.refreshToken } });
    expect(replay.statusCode).toBe(401);
    expect(problemOf(replay).code).toBe('UNAUTHENTICATED');

    expect((await me(bearer(third.accessToken))).statusCode).toBe(401);
    const newest = await t.inject({ method: 'POST', url: REFRESH, payload: { refreshToken: third.refreshToken } });
    expect(newest.statusCode).toBe(401);
  });

  it('refuses an unknown refresh token and a refresh with none', async () => {
    const unknown = await t.inject({ method: 'POST', url: REFRESH, payload: { refreshToken: 'not-a-token-we-issued' } });
    expect(unknown.statusCode).toBe(401);
    expect(problemOf(unknown).code).toBe('UNAUTHENTICATED');
    const none = await t.inject({ method: 'POST', url: REFRESH });
    expect(none.statusCode).toBe(401);
  });

  it('logs out a bearer session with 204, after which its access and refresh tokens no longer work', async () => {
    const { body } = await session(await newUser());
    const out = await t.inject({ method: 'POST', url: LOGOUT, headers: bearer(body.accessToken) });
    expect(out.statusCode).toBe(204);
    expect(out.headers['clear-site-data']).toContain('cookies');
    expect((await me(bearer(body.accessToken))).statusCode).toBe(401);
    expect((await t.inject({ method: 'POST', url: REFRESH, payload: { refreshToken: body.refreshToken } })).statusCode).toBe(401);
  });

  describe('with the session cookies', () => {
    let admin: Session;
    let cookies: Record<string, string>;

    beforeAll(async () => {
      const email = await newUser('admin');
      const { res, body } = await session(email);
      await t.signIn.enrol(email, body.accessToken);
      admin = body;
      cookies = { st_access: cookie(res, 'st_access').value, st_refresh: cookie(res, 'st_refresh').value };
    });

    const createDepartment = (code: string, headers: Record<string, string> = {}, jar = cookies) =>
      t.inject({ method: 'POST', url: '/api/v1/departments', headers, cookies: { st_access: jar.st_access! }, payload: { name: `Dept ${code}`, code } });

    it('reads with the cookie alone', async () => {
      const res = await me({}, { st_access: cookies.st_access! });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ ...admin.user, twoFactorEnabled: true, departmentIds: null });
    });

    it('refuses a cookie-authenticated write without the x-csrf-token header with 403 CSRF_FAILED', async () => {
      const res = await createDepartment('CSRFA');
      expect(res.statusCode).toBe(403);
      expect(problemOf(res).code).toBe('CSRF_FAILED');
    });

    it('refuses a cookie-authenticated write with a wrong x-csrf-token', async () => {
      const res = await createDepartment('CSRFB', { 'x-csrf-token': `${admin.csrfToken.slice(0, -2)}xx` });
      expect(res.statusCode).toBe(403);
      expect(problemOf(res).code).toBe('CSRF_FAILED');
    });

    it('accepts a cookie-authenticated write that carries the csrfToken from login', async () => {
      const res = await createDepartment('CSRFC', { 'x-csrf-token': admin.csrfToken });
      expect(res.statusCode, res.body).toBe(201);
    });

    it('refuses the csrfToken of another session', async () => {
      const other = (await session(await newUser('admin'))).body;
      const res = await createDepartment('CSRFD', { 'x-csrf-token': other.csrfToken });
      expect(problemOf(res).code).toBe('CSRF_FAILED');
    });

    it('refreshes through the refresh cookie only with the x-csrf-token header', async () => {
      const { res: loginRes, body } = await session(await newUser());
      const refreshCookie = { st_refresh: cookie(loginRes, 'st_refresh').value };
      const withoutHeader = await t.inject({ method: 'POST', url: REFRESH, cookies: refreshCookie });
      expect(withoutHeader.statusCode).toBe(403);
      expect(problemOf(withoutHeader).code).toBe('CSRF_FAILED');

      const withHeader = await t.inject({ method: 'POST', url: REFRESH, cookies: refreshCookie, headers: { 'x-csrf-token': body.csrfToken } });
      expect(withHeader.statusCode, withHeader.body).toBe(200);
      const renewed = withHeader.json<Session>();
      expect(cookie(withHeader, 'st_refresh').value).toBe(renewed.refreshToken);
      expect((await me({}, { st_access: cookie(withHeader, 'st_access').value })).statusCode).toBe(200);
    });

    it('answers a refresh cookie we never issued with 401, so the page signs in again rather than reporting a CSRF failure', async () => {
      const res = await t.inject({ method: 'POST', url: REFRESH, cookies: { st_refresh: 'left-over-from-an-old-database' }, headers: { 'x-csrf-token': admin.csrfToken } });
      expect(res.statusCode).toBe(401);
      expect(problemOf(res).code).toBe('UNAUTHENTICATED');
    });

    it('clears a left-over refresh cookie on logout even without a session behind it', async () => {
      const res = await t.inject({ method: 'POST', url: LOGOUT, cookies: { st_refresh: 'left-over-from-an-old-database' } });
      expect(res.statusCode).toBe(204);
      expect(cookie(res, 'st_refresh').value).toBe('');
    });

    it('logs out through the cookies only with the x-csrf-token header, and clears them', async () => {
      const { res: loginRes, body } = await session(await newUser());
      const jar = { st_access: cookie(loginRes, 'st_access').value, st_refresh: cookie(loginRes, 'st_refresh').value };
      const forged = await t.inject({ method: 'POST', url: LOGOUT, cookies: jar });
      expect(forged.statusCode).toBe(403);
      expect((await me({}, { st_access: jar.st_access })).statusCode).toBe(200);

      const out = await t.inject({ method: 'POST', url: LOGOUT, cookies: jar, headers: { 'x-csrf-token': body.csrfToken } });
      expect(out.statusCode).toBe(204);
      expect(cookie(out, 'st_access').value).toBe('');
      expect((await me({}, { st_access: jar.st_access })).statusCode).toBe(401);
    });
  });

  describe('access tokens that are not ours', () => {
    let real: Session;
    let claims: { sub: string; sid: string; role: string; iss: string; aud: string };

    beforeAll(async () => {
      real = (await session(await newUser('admin'))).body;
      claims = JSON.parse(Buffer.from(real.accessToken.split('.')[1]!, 'base64url').toString('utf8'));
    });

    /** Signs the real token's claims as the server would, with the given key and expiry. */
    function forge(secret: Uint8Array, expiresInSeconds: number, header: Record<string, string> = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sid: claims.sid, role: claims.role })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...header })
        .setSubject(claims.sub)
        .setIssuer(claims.iss)
        .setAudience(claims.aud)
        .setJti(`forged-${now}`)
        .setIssuedAt(now - 3600)
        .setExpirationTime(now + expiresInSeconds)
        .sign(secret);
    }

    async function expectRefused(token: string) {
      const res = await me(bearer(token));
      expect(res.statusCode).toBe(401);
      expect(problemOf(res).code).toBe('UNAUTHENTICATED');
    }

    it('accepts a token signed with the server secret for a live session (the control for the cases below)', async () => {
      expect((await me(bearer(await forge(new TextEncoder().encode(TEST_SECRET), 600)))).statusCode).toBe(200);
    });

    it('refuses a token whose exp has passed', async () => {
      await expectRefused(await forge(new TextEncoder().encode(TEST_SECRET), -120));
    });

    it('refuses a token signed with another secret', async () => {
      await expectRefused(await forge(new TextEncoder().encode('another-secret-that-is-also-32-bytes-long'), 600));
    });

    it('refuses a token with alg none, in any spelling, and an empty signature', async () => {
      const [, payload] = real.accessToken.split('.');
      for (const alg of ['none', 'None', 'NONE']) await expectRefused(`${b64url({ alg, typ: 'at+jwt' })}.${payload}.`);
    });

    it('refuses a token whose payload was changed after signing', async () => {
      const [header, , signature] = real.accessToken.split('.');
      const tampered = b64url({ ...claims, role: 'admin', exp: Math.floor(Date.now() / 1000) + 86_400 });
      await expectRefused(`${header}.${tampered}.${signature}`);
    });

    it('refuses a token with the wrong typ, and the refresh token used as a bearer token', async () => {
      await expectRefused(await forge(new TextEncoder().encode(TEST_SECRET), 600, { typ: 'JWT' }));
      await expectRefused(real.refreshToken);
    });

    it('refuses an Authorization header that is not Bearer', async () => {
      const res = await me({ authorization: `Basic ${Buffer.from(`x:${TEST_PASSWORD}`).toString('base64')}` });
      expect(res.statusCode).toBe(401);
    });
  });

  describe.each([
    ['a year behind', -365],
    ['a year ahead', 365],
  ])('with the app clock %s of real time', (_label, days) => {
    let shifted: TestApp;
    const clock = new ManualClock(Date.now() + days * 24 * 60 * 60_000);

    beforeAll(async () => {
      shifted = await startTestApp(dialect, { clock });
      // Made here, not in the first test, so each test below also runs alone (vitest -t).
      await shifted.app.services.users.createUser({ email: 'clock@auth.test', name: 'Clock', role: 'doctor', password: TEST_PASSWORD });
    });
    afterAll(() => shifted.close());

    it('issues access tokens that work, and a refresh cookie that lasts as long as the session', async () => {
      const res = await shifted.inject({ method: 'POST', url: LOGIN, payload: { email: 'clock@auth.test', password: TEST_PASSWORD } });
      expect(res.statusCode).toBe(200);
      const me = await shifted.inject({ method: 'GET', url: ME, headers: bearer(res.json<Session>().accessToken) });
      expect(me.statusCode, me.body).toBe(200);
      expect(cookie(res, 'st_refresh').maxAge).toBe(12 * 60 * 60);
    });

    it('lets an access token lapse 30 minutes after it was issued, by the app clock', async () => {
      const res = await shifted.inject({ method: 'POST', url: LOGIN, payload: { email: 'clock@auth.test', password: TEST_PASSWORD } });
      expect(res.statusCode, res.body).toBe(200);
      const headers = bearer(res.json<Session>().accessToken);
      clock.advanceMinutes(29);
      expect((await shifted.inject({ method: 'GET', url: ME, headers })).statusCode).toBe(200);
      clock.advanceMinutes(2);
      expect((await shifted.inject({ method: 'GET', url: ME, headers })).statusCode).toBe(401);
    });

    it('ends the session, refresh included, when the app clock passes its 12 hours', async () => {
      const res = await shifted.inject({ method: 'POST', url: LOGIN, payload: { email: 'clock@auth.test', password: TEST_PASSWORD } });
      expect(res.statusCode, res.body).toBe(200);
      clock.advanceMinutes(12 * 60 - 1);
      const late = await shifted.inject({ method: 'POST', url: REFRESH, payload: { refreshToken: res.json<Session>().refreshToken } });
      expect(late.statusCode).toBe(200);
      expect(cookie(late, 'st_refresh').maxAge).toBe(60);
      clock.advanceMinutes(1);
      const { accessToken, refreshToken } = late.json<Session>();
      expect((await shifted.inject({ method: 'GET', url: ME, headers: bearer(accessToken) })).statusCode).toBe(401);
      expect((await shifted.inject({ method: 'POST', url: REFRESH, payload: { refreshToken } })).statusCode).toBe(401);
    });
  });
});

describe.each(DIALECTS)('session cookies over HTTPS on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { PUBLIC_URL: 'https://queue.clinic.test' } });
    await t.app.services.users.createUser({ email: 'tls@auth.test', name: 'Tls Nurse', role: 'receptionist', password: TEST_PASSWORD });
  });
  afterAll(() => t.close());

  it('names them __Host- and __Secure- (Secure, no Domain), and reads them only under those names', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'tls@auth.test', password: TEST_PASSWORD } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<Session & { csrfToken: string }>();
    const access = cookie(res, '__Host-st_access');
    const refresh = cookie(res, '__Secure-st_refresh');
    expect(access).toMatchObject({ value: body.accessToken, secure: true, httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(refresh).toMatchObject({ value: body.refreshToken, secure: true, httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' });
    expect(res.cookies.map((c) => c.name).sort()).toEqual(['__Host-st_access', '__Secure-st_refresh']);
    expect(String(res.headers['set-cookie'])).not.toMatch(/domain=/i);

    expect((await t.inject({ method: 'GET', url: ME, cookies: { '__Host-st_access': access.value } })).statusCode).toBe(200);
    // The unprefixed name is what a subdomain or a plain-http page could plant: it is not read.
    expect((await t.inject({ method: 'GET', url: ME, cookies: { st_access: access.value } })).statusCode).toBe(401);
    const renewed = await t.inject({ method: 'POST', url: REFRESH, cookies: { '__Secure-st_refresh': refresh.value }, headers: { 'x-csrf-token': body.csrfToken } });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(cookie(renewed, '__Secure-st_refresh').value).toBe(renewed.json<Session>().refreshToken);
  });
});
