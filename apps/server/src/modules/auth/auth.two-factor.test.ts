import { createHash } from 'node:crypto';
import type { Role } from '@smart-token/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { loadConfig } from '../../config.js';
import { createDatabase } from '../../db/database.js';
import { migrateTo, migrateToLatest } from '../../db/migrate.js';
import { DIALECTS, freshDatabase } from '../../test/databases.js';
import { ManualClock, TEST_PASSWORD, problemOf, startTestApp, testEnv, type TestApp } from '../../test/test-app.js';
import { TOTP_PERIOD_SECONDS, totpCode } from './two-factor.js';

interface Session {
  accessToken: string;
  user: { id: string; email: string; role: Role };
  mfaEnrolmentRequired?: true;
}

const STEP_MS = TOTP_PERIOD_SECONDS * 1000;
const BASE32 = /^[A-Z2-7]+=*$/;

const bearer = (s: Session) => ({ authorization: `Bearer ${s.accessToken}` });

/**
 * Issue 14, item 6: TOTP two-step sign-in. Codes are computed on the app's ManualClock, so steps,
 * windows and replays are exact, with no sleeping.
 */
describe.each(DIALECTS)('two-step sign-in (TOTP) on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let users = 0;

  beforeAll(async () => {
    clock = new ManualClock();
    t = await startTestApp(dialect, { clock });
  });
  afterAll(() => t.close());

  async function newUser(role: Role): Promise<string> {
    users += 1;
    const email = `${role}${users}@two-factor.test`;
    await t.app.services.users.createUser({ email, name: `Staff ${users}`, role, password: TEST_PASSWORD });
    return email;
  }

  const login = (email: string, otp?: string, password = TEST_PASSWORD) =>
    t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password, ...(otp !== undefined && { otp }) } });

  async function signedIn(email: string, otp?: string): Promise<Session> {
    const res = await login(email, otp);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Session>();
  }

  const setup = (s: Session) => t.inject({ method: 'POST', url: '/api/v1/auth/2fa/setup', headers: bearer(s) });
  const enable = (s: Session, otp: string) => t.inject({ method: 'POST', url: '/api/v1/auth/2fa/enable', headers: bearer(s), payload: { otp } });
  const me = (s: Session) => t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(s) });

  /** Enrols the account signed in as `s`; returns its secret and recovery codes. */
  async function enrol(s: Session): Promise<{ secret: string; recoveryCodes: string[] }> {
    const started = await setup(s);
    expect(started.statusCode, started.body).toBe(200);
    const { secret } = started.json<{ secret: string }>();
    const enabled = await enable(s, totpCode(secret, clock.now()));
    expect(enabled.statusCode, enabled.body).toBe(200);
    return { secret, recoveryCodes: enabled.json<{ recoveryCodes: string[] }>().recoveryCodes };
  }

  /** A user of that role with 2FA on; the clock is then moved to the next step, so the enrolment code is spent. */
  async function enrolledUser(role: Role = 'doctor'): Promise<{ email: string; secret: string; recoveryCodes: string[] }> {
    const email = await newUser(role);
    const first = await signedIn(email);
    const enrolment = await enrol(first);
    clock.advance(STEP_MS);
    return { email, ...enrolment };
  }

  describe('an admin without 2FA', () => {
    it('is signed in but confined to enrolment: GET /users and every other route answer 403 MFA_ENROLMENT_REQUIRED', async () => {
      const s = await signedIn(await newUser('admin'));
      expect(s.mfaEnrolmentRequired).toBe(true);
      const who = await me(s);
      expect(who.statusCode).toBe(200);
      expect(who.json()).toMatchObject({ role: 'admin', mfaEnrolmentRequired: true, twoFactorEnabled: false });
      for (const request of [
        { method: 'GET' as const, url: '/api/v1/users' },
        { method: 'GET' as const, url: '/api/v1/auth/sessions' },
        { method: 'POST' as const, url: '/api/v1/departments', payload: { code: 'MFA', name: 'Not yet' } },
      ]) {
        const res = await t.inject({ ...request, headers: bearer(s) });
        expect(res.statusCode, `${request.method} ${request.url}`).toBe(403);
        expect(problemOf(res).code).toBe('MFA_ENROLMENT_REQUIRED');
      }
    });

    it('enrols (setup again replaces the pending secret) and the same session is then free; enabling twice is a conflict', async () => {
      const email = await newUser('admin');
      const s = await signedIn(email);
      const first = (await setup(s)).json<{ secret: string; otpauthUrl: string }>();
      const second = await setup(s);
      expect(second.statusCode).toBe(200);
      expect(second.headers['cache-control']).toBe('no-store');
      const { secret, otpauthUrl } = second.json<{ secret: string; otpauthUrl: string }>();
      expect(secret).toMatch(BASE32);
      expect(secret).not.toBe(first.secret);
      const url = new URL(otpauthUrl);
      expect(url.protocol).toBe('otpauth:');
      expect(url.host).toBe('totp');
      expect(decodeURIComponent(url.pathname)).toBe(`/Smart Token:${email}`);
      expect(Object.fromEntries(url.searchParams)).toMatchObject({ secret, issuer: 'Smart Token', algorithm: 'SHA1', digits: '6', period: '30' });

      // The replaced secret's code no longer enrols; a wrong code names the field.
      const stale = await enable(s, totpCode(first.secret, clock.now()));
      expect(stale.statusCode).toBe(400);
      expect(problemOf(stale).errors?.[0]?.path).toBe('body.otp');
      expect((await t.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(s) })).statusCode).toBe(403);

      const enabled = await enable(s, totpCode(secret, clock.now()));
      expect(enabled.statusCode, enabled.body).toBe(200);
      const { recoveryCodes } = enabled.json<{ recoveryCodes: string[] }>();
      expect(recoveryCodes).toHaveLength(10);
      expect(new Set(recoveryCodes).size).toBe(10);
      for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);

      expect((await t.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(s) })).statusCode).toBe(200);
      expect((await me(s)).json()).toMatchObject({ twoFactorEnabled: true });
      expect((await me(s)).json()).not.toHaveProperty('mfaEnrolmentRequired');
      const again = await enable(s, totpCode(secret, clock.now() + STEP_MS));
      expect(again.statusCode).toBe(409);
      expect((await setup(s)).statusCode).toBe(409);

      const enrolled = t.security.find((e) => e.type === '2fa.enrolled' && e.userId === s.user.id);
      expect(enrolled?.context).toMatchObject({ ip: expect.any(String), requestId: expect.any(String) });
    });

    it('has its other sessions, opened with the password alone, ended when 2FA is turned on', async () => {
      const email = await newUser('admin');
      const other = await signedIn(email);
      const enrolling = await signedIn(email);
      await enrol(enrolling);
      expect((await me(other)).statusCode).toBe(401);
      expect((await me(enrolling)).statusCode).toBe(200);
    });

    it('keeps the secret and the recovery codes out of the database in readable form', async () => {
      const s = await signedIn(await newUser('admin'));
      const { secret, recoveryCodes } = await enrol(s);
      const row = await t.app.database.db.selectFrom('users').select(['totp_secret_sealed', 'totp_enabled_at']).where('id', '=', s.user.id).executeTakeFirstOrThrow();
      expect(row.totp_enabled_at).toBe(clock.now());
      expect(row.totp_secret_sealed).toBeTruthy();
      expect(row.totp_secret_sealed).not.toContain(secret);
      expect(row.totp_secret_sealed!.toUpperCase()).not.toContain(secret.slice(0, 16));
      const stored = await t.app.database.db.selectFrom('recovery_codes').select(['code_hash', 'used_at']).where('user_id', '=', s.user.id).execute();
      expect(stored).toHaveLength(10);
      // About 50 bits each: a password hash (ASVS 6.5.2), not a fast one a copied database gives up to.
      for (const { code_hash } of stored) expect(code_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      const hashes = stored.map((r) => r.code_hash).join(' ');
      for (const code of recoveryCodes) {
        expect(hashes).not.toContain(code);
        expect(hashes).not.toContain(code.replace('-', ''));
      }
    });
  });

  describe('signing in with 2FA on', () => {
    it('answers the right password without a code with 401 OTP_REQUIRED, and a wrong code like a wrong password', async () => {
      const { email, secret } = await enrolledUser();
      const noCode = await login(email);
      expect(noCode.statusCode).toBe(401);
      expect(problemOf(noCode).code).toBe('OTP_REQUIRED');

      const wrongCode = await login(email, totpCode(secret, clock.now() + 10 * STEP_MS));
      const wrongPassword = await login(email, totpCode(secret, clock.now()), 'not the password at all');
      expect(wrongCode.statusCode).toBe(401);
      const { requestId: _a, ...codeBody } = problemOf(wrongCode) as unknown as Record<string, unknown>;
      const { requestId: _b, ...passwordBody } = problemOf(wrongPassword) as unknown as Record<string, unknown>;
      expect(codeBody).toEqual(passwordBody);
      expect(codeBody.code).toBe('INVALID_CREDENTIALS');
      const failed = t.security.filter((e) => e.type === '2fa.failed' && e.reason === 'wrong code');
      expect(failed.at(-1)?.context).toMatchObject({ ip: expect.any(String), requestId: expect.any(String) });

      const s = await signedIn(email, totpCode(secret, clock.now()));
      expect(s.mfaEnrolmentRequired).toBeUndefined();
      expect((await me(s)).json()).toMatchObject({ twoFactorEnabled: true });
    });

    it('accepts a code of the step before or after, not two steps away', async () => {
      const { email, secret } = await enrolledUser();
      expect((await login(email, totpCode(secret, clock.now() - 2 * STEP_MS))).statusCode).toBe(401);
      expect((await login(email, totpCode(secret, clock.now() + 2 * STEP_MS))).statusCode).toBe(401);
      clock.advance(STEP_MS);
      expect((await login(email, totpCode(secret, clock.now() - STEP_MS))).statusCode).toBe(200);
      expect((await login(email, totpCode(secret, clock.now() + STEP_MS))).statusCode).toBe(200);
    });

    it('refuses a code that was already used, and an older one, even within its window', async () => {
      const { email, secret } = await enrolledUser();
      const code = totpCode(secret, clock.now());
      await signedIn(email, code);
      const replay = await login(email, code);
      expect(replay.statusCode).toBe(401);
      expect(problemOf(replay).code).toBe('INVALID_CREDENTIALS');
      expect(t.security.some((e) => e.type === '2fa.failed' && e.reason === 'code already used (replay)')).toBe(true);
      // The previous step is inside the window, but older than the code just accepted.
      expect((await login(email, totpCode(secret, clock.now() - STEP_MS))).statusCode).toBe(401);
      clock.advance(STEP_MS);
      expect((await login(email, totpCode(secret, clock.now()))).statusCode).toBe(200);
    });

    it('lets only one of two simultaneous sign-ins with the same code in', async () => {
      const { email, secret } = await enrolledUser();
      const code = totpCode(secret, clock.now());
      const results = await Promise.all([login(email, code), login(email, code)]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
    });

    it('takes each recovery code once, typed in any case with or without its dash', async () => {
      const { email, recoveryCodes } = await enrolledUser();
      const [first, second] = recoveryCodes as [string, string];
      const s = await signedIn(email, first);
      expect((await me(s)).statusCode).toBe(200);
      const used = t.security.filter((e) => e.type === '2fa.recovery-used' && e.userId === s.user.id);
      expect(used).toHaveLength(1);
      expect(used[0]?.reason).toBe('9 recovery codes left');
      const again = await login(email, first);
      expect(again.statusCode).toBe(401);
      expect(problemOf(again).code).toBe('INVALID_CREDENTIALS');
      expect((await login(email, second.replace('-', '').toUpperCase())).statusCode).toBe(200);
      expect((await login(email, second)).statusCode).toBe(401);
    });

    it('still takes, once, a recovery code given out before codes were stored with argon2id', async () => {
      const { email } = await enrolledUser();
      const user = await t.app.database.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
      // As migration 0505 keeps a code issued under the SHA-256 scheme.
      const old = 'mnpqr-stuvw';
      const legacy = `sha256:${createHash('sha256').update(`recovery:${user.id}:${old.replace('-', '')}`).digest('hex')}`;
      await t.app.database.db.insertInto('recovery_codes').values({ id: 'legacy-code', user_id: user.id, code_hash: legacy, created_at: clock.now(), used_at: null }).execute();
      expect((await login(email, old.toUpperCase())).statusCode).toBe(200);
      expect((await login(email, old)).statusCode).toBe(401);
    });

    it('does not take another account\'s recovery code', async () => {
      const one = await enrolledUser();
      const other = await enrolledUser();
      expect((await login(one.email, other.recoveryCodes[0])).statusCode).toBe(401);
      expect((await login(other.email, other.recoveryCodes[0])).statusCode).toBe(200);
    });

    it('counts wrong codes towards the lockout: after five, even the right code is refused', async () => {
      const { email, secret } = await enrolledUser();
      for (let i = 1; i <= 5; i++) expect((await login(email, totpCode(secret, clock.now() + (10 + i) * STEP_MS))).statusCode).toBe(401);
      const locked = await login(email, totpCode(secret, clock.now()));
      expect(locked.statusCode).toBe(401);
      expect(problemOf(locked).code).toBe('INVALID_CREDENTIALS');
    });

    it('refuses a malformed code with 400 naming otp', async () => {
      const { email } = await enrolledUser();
      const res = await login(email, '12ab56');
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors?.map((e) => e.path)).toContain('body.otp');
    });
  });

  describe('other roles', () => {
    it('do not have to enrol, and may: a receptionist with 2FA on then needs the code', async () => {
      const email = await newUser('receptionist');
      const s = await signedIn(email);
      expect(s.mfaEnrolmentRequired).toBeUndefined();
      expect((await me(s)).json()).toMatchObject({ twoFactorEnabled: false });
      expect((await t.inject({ method: 'GET', url: '/api/v1/departments', headers: bearer(s) })).statusCode).toBe(200);
      const { secret } = await enrol(s);
      clock.advance(STEP_MS);
      expect(problemOf(await login(email)).code).toBe('OTP_REQUIRED');
      expect((await login(email, totpCode(secret, clock.now()))).statusCode).toBe(200);
    });
  });
});

describe.each(DIALECTS)('the recovery-code migration to argon2id on %s', (dialect) => {
  it('keeps every code given out, used or not, under the old scheme', async () => {
    const test = await freshDatabase(dialect);
    const database = createDatabase(loadConfig(testEnv(test)).database);
    try {
      const db = database.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
      await migrateTo(db, '2026_12_03_0504_security_event_counts');
      await db.insertInto('users').values({ id: 'u1', email: 'old@2fa.test', name: 'Old', role: 'admin', password_hash: 'x', created_at: 1 }).execute();
      await db.insertInto('recovery_codes').values([
        { code_hash: 'a'.repeat(64), user_id: 'u1', created_at: 1, used_at: null },
        { code_hash: 'b'.repeat(64), user_id: 'u1', created_at: 1, used_at: 5 },
      ]).execute();
      await migrateToLatest(db);
      const rows = await db.selectFrom('recovery_codes').select(['id', 'user_id', 'code_hash', 'used_at']).orderBy('id').execute();
      expect(rows.map((r) => ({ ...r, used_at: r.used_at === null ? null : Number(r.used_at) }))).toEqual([
        { id: 'a'.repeat(64), user_id: 'u1', code_hash: `sha256:${'a'.repeat(64)}`, used_at: null },
        { id: 'b'.repeat(64), user_id: 'u1', code_hash: `sha256:${'b'.repeat(64)}`, used_at: 5 },
      ]);
    } finally {
      await database.close();
      await test.drop();
    }
  });
});
