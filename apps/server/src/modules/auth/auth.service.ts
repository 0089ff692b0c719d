import { createHmac } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { DEFAULT_CLINIC_NAME, type ChangePasswordBody, type EnableTwoFactorBody, type LoginBody, type PrivacyProfile, type RecoveryCodes, type Role, type SessionInfo, type TwoFactorSetup, type User } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { AppError, ConflictError, InvalidCredentialsError, NotFoundError, UnauthenticatedError, ValidationError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId, newSecret, sha256 } from '../../lib/ids.js';
import { seal, unseal } from '../../lib/sealing.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import { createReadCache } from '../cache/read-cache.js';
import { ACCOUNT_LOCKOUT, LOGIN_LOCKOUT, clearFailures, clearFailuresStartingWith, countFailureUnlessLocked } from '../lockouts/lockouts.js';
import { ACCESS_TOKEN_TTL_SECONDS, csrfTokenFor, signAccessToken, verifyAccessToken } from './access-tokens.js';
import * as repo from './auth.repository.js';
import type { PasswordPolicy } from './password-policy.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { deviceLabel, type RequestContext, type SecurityLog } from './security-log.js';
import { TOTP_ISSUER, isRecoveryCode, matchingRecoveryCode, matchingStep, newRecoveryCodes, newTotpSecret, otpauthUrl, recoveryCodeRecord, totpSealingKey } from './two-factor.js';

/** Sessions kept in memory per instance; past it the least recently used are read again. */
const SESSION_CACHE_MAX_ENTRIES = 10_000;
/** Only a safety net for an invalidation that never arrived (Redis down, a change made elsewhere). */
const SESSION_CACHE_TTL_MS = 30_000;
/** A session's last use is written at most this often (idle logoff needs minutes, not milliseconds). */
const TOUCH_EVERY_MS = 60_000;
/**
 * Two tabs whose access tokens expire together refresh with the same token: within this window,
 * and while the successor is unused, the second gets the same successor instead of ending the session.
 */
export const REFRESH_GRACE_MS = 20_000;
/** Accounts of devices, not people: no idle logoff. */
const DEVICE_ROLES = new Set<Role>(['display', 'kiosk']);

type SessionWithUser = NonNullable<Awaited<ReturnType<typeof repo.findSessionWithUser>>>;

export interface Principal {
  userId: string;
  sessionId: string;
  email: string;
  name: string;
  role: Role;
  /** An admin reset the password: only /auth/me and /auth/password until it is changed. */
  passwordChangeRequired: boolean;
  /** The departments this principal may act in; undefined means every department. */
  departmentIds?: readonly string[];
  /** Set when a paired device (a board or a kiosk, by its API key) is asking, not a person. */
  device?: { id: string; privacy: PrivacyProfile };
  /** An admin who has not enrolled in 2FA: only /auth/me and the enrolment endpoints until done. */
  mfaEnrolmentRequired?: boolean;
}

export interface IssuedSession {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  /** Seconds the refresh token (and the session) has left, by the app's clock: the cookie's max-age. */
  refreshExpiresIn: number;
  csrfToken: string;
  user: User;
  passwordChangeRequired?: true;
  mfaEnrolmentRequired?: true;
}

/** An admin must have 2FA on: until it is, their sessions may only enrol (auth.plugin.ts). */
const mustEnrol = (role: Role, totpEnabledAt: number | null): boolean => role === 'admin' && totpEnabledAt === null;

export class OtpRequiredError extends AppError {
  constructor() {
    super('OTP_REQUIRED', 401, 'Two-step sign-in is on for this account: send the 6-digit code of the authenticator app (or a recovery code) as otp.');
  }
}

/** The whole-account lockout subject of an email (ACCOUNT_LOCKOUT). */
export const accountLockSubject = (email: string): string => sha256(email);

/** The two per-address and whole-account lockout subjects of one sign-in. */
function lockoutSubjects(email: string, ip: string): { account: string; accountAtAddress: string } {
  const account = accountLockSubject(email);
  return { account, accountAtAddress: `${account}:${sha256(ip).slice(0, 32)}` };
}

/** Forgets an account's sign-in failures and locks, from every address (an admin's unlock or reset). */
export async function clearLoginLocks(database: Database, email: string): Promise<void> {
  const { account } = lockoutSubjects(email, '');
  await database.transact(async (trx) => {
    await clearFailures(trx, ACCOUNT_LOCKOUT, account);
    await clearFailuresStartingWith(trx, LOGIN_LOCKOUT, `${account}:`);
  });
}

/** An ended session's rows (who was signed in where, until when) are kept a month for an inquiry, then deleted; the security log keeps its events. */
export const ENDED_SESSIONS_KEPT_MS = 30 * 24 * 60 * 60_000;

export function createAuthService(deps: {
  database: Database;
  clock: Clock;
  jwtSecret: Uint8Array;
  invalidation: Pick<CacheInvalidationBus, 'publish' | 'subscribe' | 'catchUp'>;
  security: SecurityLog;
  session: { idleMs: number; maxMs: number };
  /** Where a person may act (users/department-scope.ts): undefined for every department. */
  departmentScope?: (userId: string, role: Role) => Promise<readonly string[] | undefined>;
  passwordPolicy: PasswordPolicy;
}) {
  const { database, clock, jwtSecret, invalidation, security } = deps;
  const { db } = database;

  /** The key that seals a refresh token's successor: only the holder of the spent token can derive it. */
  const successorKey = (refreshToken: string) => createHmac('sha256', jwtSecret).update(`refresh-successor:${refreshToken}`).digest();

  /** Seals TOTP secrets at rest; derived from the app's secret. */
  const totpKey = totpSealingKey(jwtSecret);

  async function accessFor(user: User, sessionId: string, sessionExpiresAt: number, refreshToken: string, passwordChangeRequired: boolean, mfaEnrolmentRequired: boolean): Promise<IssuedSession> {
    const now = clock.now();
    return {
      accessToken: await signAccessToken(jwtSecret, { userId: user.id, sessionId, role: user.role }, Math.floor(now / 1000)),
      tokenType: 'Bearer',
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      refreshToken,
      refreshExpiresIn: Math.max(1, Math.floor((sessionExpiresAt - now) / 1000)),
      csrfToken: csrfTokenFor(jwtSecret, sessionId),
      user,
      ...(passwordChangeRequired && { passwordChangeRequired: true as const }),
      ...(mfaEnrolmentRequired && { mfaEnrolmentRequired: true as const }),
    };
  }

  const toUser = (row: { userId: string; email: string; name: string; role: Role }): User => ({ id: row.userId, email: row.email, name: row.name, role: row.role });

  // Every authenticated request reads its session and user: keep them, and forget them on every
  // instance once the session ends or the user changes (whoever changes them publishes it).
  const sessions = createReadCache<SessionWithUser>({ max: SESSION_CACHE_MAX_ENTRIES, ttlMs: SESSION_CACHE_TTL_MS, catchUp: () => invalidation.catchUp() });
  /**
   * When this instance last saw each session used (written to the row at most once a minute). Bounded:
   * sessions that simply expire are never deleted here, and a forgotten one is read from its row.
   */
  const lastSeen = new LRUCache<string, number>({ max: SESSION_CACHE_MAX_ENTRIES });
  invalidation.subscribe((message) => {
    if (message.kind === 'session') sessions.delete(message.id);
    else if (message.kind === 'user') sessions.deleteWhere((s) => s.userId === message.id);
    else if (message.kind === 'everything') sessions.clear();
  });

  async function endSession(sessionId: string, reason: string, event: { userId?: string; actorId?: string; context?: RequestContext } = {}): Promise<void> {
    const ended = await database.transact((trx) => repo.revokeSession(trx, sessionId, clock.now(), reason));
    lastSeen.delete(sessionId);
    await invalidation.publish({ kind: 'session', id: sessionId });
    if (ended) security.record({ type: 'session.ended', sessionId, reason, ...event });
  }

  async function endSessionsOfUser(userId: string, reason: string, event: { actorId?: string; context?: RequestContext; except?: string } = {}): Promise<number> {
    const ended = await database.transact((trx) => repo.revokeSessionsOfUser(trx, userId, clock.now(), reason, event.except));
    for (const id of ended) lastSeen.delete(id);
    await invalidation.publish({ kind: 'user', id: userId });
    security.record({ type: 'sessions.ended', userId, reason: `${reason} (${ended.length})`, ...(event.actorId && { actorId: event.actorId }), ...(event.context && { context: event.context }) });
    return ended.length;
  }

  /**
   * Idle logoff: a session unused for longer than the limit ends, checked against the row before it
   * is ended. Boards and kiosks are devices that may sit quiet for hours (a board only listens); the
   * absolute cap still ends their sessions.
   */
  async function stillActive(session: SessionWithUser, now: number): Promise<boolean> {
    if (DEVICE_ROLES.has(session.role)) return true;
    const seen = Math.max(session.lastSeenAt ?? session.createdAt, lastSeen.get(session.sessionId) ?? 0);
    if (now - seen <= deps.session.idleMs) {
      if (now - seen >= TOUCH_EVERY_MS) {
        lastSeen.set(session.sessionId, now);
        await database.transact((trx) => repo.touchSession(trx, session.sessionId, now));
      }
      return true;
    }
    // Another instance may have seen it used since this one read it.
    const fresh = await repo.findSessionWithUser(db, session.sessionId);
    if (fresh?.lastSeenAt != null && now - fresh.lastSeenAt <= deps.session.idleMs) {
      lastSeen.set(session.sessionId, fresh.lastSeenAt);
      return stillActive(fresh, now);
    }
    await endSession(session.sessionId, 'idle', { userId: session.userId });
    return false;
  }

  /** The live session's principal; undefined when it is unknown, ended, expired, idle too long or its user disabled. */
  async function principalOfSession(sessionId: string): Promise<Principal | undefined> {
    const session = await sessions.get(sessionId, () => repo.findSessionWithUser(db, sessionId));
    const now = clock.now();
    if (!session || session.revokedAt !== null || session.expiresAt <= now || session.disabledAt !== null) return undefined;
    if (!(await stillActive(session, now))) return undefined;
    const departmentIds = await deps.departmentScope?.(session.userId, session.role);
    return {
      ...(departmentIds && { departmentIds }),
      userId: session.userId,
      sessionId: session.sessionId,
      email: session.email,
      name: session.name,
      role: session.role,
      passwordChangeRequired: session.passwordResetAt !== null,
      ...(mustEnrol(session.role, session.totpEnabledAt) && { mfaEnrolmentRequired: true }),
    };
  }

  /**
   * The lockouts hold across instances because the attempt is counted in the database before the
   * password is checked: countFailureUnlessLocked takes the lockout row (serialised by the row lock
   * on PostgreSQL, by the write lock on SQLite), so of any number of parallel attempts at most five
   * per address get past it before the lock. Failures lock the (account, address) pair first, so a
   * stranger who types wrong passwords locks out only their own address; the account as a whole
   * locks only after many more failures, which needs several addresses. The hash is checked after
   * that short transaction has committed (never inside one); a right password then clears both
   * counts. A locked account gets the same answer, after the same hashing time, as a wrong password
   * or an unknown user: nothing tells them apart.
   */
  async function login(input: LoginBody, context: RequestContext): Promise<IssuedSession> {
    const subjects = lockoutSubjects(input.email, context.ip);
    const now = clock.now();
    const locked = await database.transact(async (trx) => {
      const here = await countFailureUnlessLocked(trx, LOGIN_LOCKOUT, subjects.accountAtAddress, now);
      const anywhere = await countFailureUnlessLocked(trx, ACCOUNT_LOCKOUT, subjects.account, now);
      return here > 0 || anywhere > 0;
    });
    const user = locked ? undefined : await repo.findUserByEmail(db, input.email);
    const valid = await verifyPassword(user?.password_hash, input.password);
    if (!user || !valid || user.disabled_at !== null) {
      security.record({ type: locked ? 'login.locked' : 'login.failed', ...(user && { userId: user.id }), context });
      throw new InvalidCredentialsError();
    }
    // The attempt stays counted against the lockouts until the second factor passes too: "OTP_REQUIRED"
    // says the password was right, so it must not be free to ask.
    if (user.totp_enabled_at !== null) await checkSecondFactor(user, input.otp, context);
    const sessionId = newId();
    const expiresAt = now + deps.session.maxMs;
    const refreshToken = newSecret();
    await database.transact(async (trx) => {
      await clearFailures(trx, LOGIN_LOCKOUT, subjects.accountAtAddress);
      await clearFailures(trx, ACCOUNT_LOCKOUT, subjects.account);
      await repo.insertSession(trx, { id: sessionId, user_id: user.id, created_at: now, expires_at: expiresAt, ip: context.ip, user_agent: context.userAgent?.slice(0, 512) ?? null });
      await repo.insertRefreshToken(trx, { token_hash: sha256(refreshToken), session_id: sessionId, created_at: now, expires_at: expiresAt });
    });
    security.record({ type: 'login.succeeded', userId: user.id, sessionId, context });
    return accessFor(
      toUser({ userId: user.id, email: user.email, name: user.name, role: user.role }),
      sessionId,
      expiresAt,
      refreshToken,
      user.password_reset_at !== null,
      mustEnrol(user.role, user.totp_enabled_at),
    );
  }

  /**
   * The second factor of a user with 2FA on: a code of the current step (± one) that is later than
   * the last one accepted, or an unused recovery code. Each is taken by a conditional update, so of
   * two requests racing with one code only one gets in.
   */
  async function checkSecondFactor(user: repo.UserRow, otp: string | undefined, context: RequestContext): Promise<void> {
    if (otp === undefined) throw new OtpRequiredError();
    const now = clock.now();
    const fail = (reason: string): never => {
      security.record({ type: '2fa.failed', userId: user.id, reason, context });
      throw new InvalidCredentialsError();
    };
    if (isRecoveryCode(otp)) {
      const id = await matchingRecoveryCode(user.id, otp, await repo.unusedRecoveryCodes(db, user.id));
      if (id === undefined || !(await database.transact((trx) => repo.spendRecoveryCode(trx, user.id, id, now)))) fail('recovery code unknown or already used');
      const left = await repo.unusedRecoveryCodeCount(db, user.id);
      security.record({ type: '2fa.recovery-used', userId: user.id, reason: `${left} recovery codes left`, context });
      return;
    }
    if (user.totp_secret_sealed === null) return fail('no secret');
    const step = matchingStep(unseal(user.totp_secret_sealed, totpKey), otp, now);
    if (step === undefined) return fail('wrong code');
    if (!(await database.transact((trx) => repo.acceptTotpStep(trx, user.id, step)))) fail('code already used (replay)');
  }

  /**
   * Rotation: each refresh token works once and names its successor. A second use within the grace
   * window, while that successor is unused, gets the same successor (two tabs refreshing together);
   * any other reuse means the token was copied, and the whole session (the family of every token
   * rotated from its sign-in) ends.
   */
  async function refresh(refreshToken: string, context: RequestContext, retried = false): Promise<IssuedSession> {
    const now = clock.now();
    const hash = sha256(refreshToken);
    const stored = await repo.findRefreshToken(db, hash);
    if (!stored) throw new UnauthenticatedError('The refresh token is not valid; sign in again.');
    const session = await repo.findSessionWithUser(db, stored.session_id);
    if (!session || session.revokedAt !== null || session.expiresAt <= now || stored.expires_at <= now || session.disabledAt !== null) {
      throw new UnauthenticatedError('The session has ended; sign in again.');
    }
    const user = toUser(session);
    const changeRequired = session.passwordResetAt !== null;
    const enrolmentRequired = mustEnrol(session.role, session.totpEnabledAt);
    if (stored.used_at !== null) {
      if (now - stored.used_at <= REFRESH_GRACE_MS && stored.successor_hash && stored.successor_sealed) {
        const successor = await repo.findRefreshToken(db, stored.successor_hash);
        if (successor && successor.used_at === null) {
          return accessFor(user, session.sessionId, session.expiresAt, unseal(stored.successor_sealed, successorKey(refreshToken)), changeRequired, enrolmentRequired);
        }
      }
      await endSession(session.sessionId, 'reuse', { userId: session.userId, context });
      security.record({ type: 'refresh.reused', userId: session.userId, sessionId: session.sessionId, context });
      throw new UnauthenticatedError('This refresh token was already used; the session has been ended for safety. Sign in again.');
    }
    const next = newSecret();
    const spent = await database.transact(async (trx) => {
      if (!(await repo.spendRefreshToken(trx, hash, now, { hash: sha256(next), sealed: seal(next, successorKey(refreshToken)) }))) return false;
      await repo.insertRefreshToken(trx, { token_hash: sha256(next), session_id: session.sessionId, created_at: now, expires_at: session.expiresAt });
      return true;
    });
    // Another request spent it a moment ago: this one is the second of two, and gets its successor.
    if (!spent) {
      if (retried) throw new UnauthenticatedError('The refresh token is not valid; sign in again.');
      return refresh(refreshToken, context, true);
    }
    return accessFor(user, session.sessionId, session.expiresAt, next, changeRequired, enrolmentRequired);
  }

  async function authenticate(accessToken: string): Promise<Principal> {
    const claims = await verifyAccessToken(jwtSecret, accessToken, clock.now());
    if (!claims) throw new UnauthenticatedError('The access token is not valid or has expired.');
    const principal = await principalOfSession(claims.sessionId);
    if (!principal || principal.userId !== claims.userId) throw new UnauthenticatedError('The session has ended; sign in again.');
    return principal;
  }

  return {
    /** Forgets sessions ended more than ENDED_SESSIONS_KEPT_MS ago (the security log keeps what happened). */
    purge: (now: number) => database.transact((trx) => repo.purgeEndedSessions(trx, now - ENDED_SESSIONS_KEPT_MS, now)),
    login,
    refresh,
    principalOfSession,
    /**
     * Checks an access token and its live session: a revoked session or disabled user is out from
     * the next request, on every instance (the session cache is invalidated through the bus).
     */
    authenticate,

    logout: (sessionId: string, context?: RequestContext) => endSession(sessionId, 'logout', context ? { context } : {}),

    async sessionOfRefreshToken(refreshToken: string): Promise<string | undefined> {
      return (await repo.findRefreshToken(db, sha256(refreshToken)))?.session_id;
    },

    /** Every session of mine ends, this one included: access tokens stop at their next request. */
    logoutAll: (principal: Principal, context: RequestContext) => endSessionsOfUser(principal.userId, 'logout-all', { context }),

    async listSessions(userId: string, currentSessionId?: string): Promise<SessionInfo[]> {
      const rows = await repo.liveSessionsOfUser(db, userId, clock.now());
      return rows.map((row) => {
        const seen = Math.max(row.last_seen_at ?? row.created_at, lastSeen.get(row.id) ?? 0);
        return {
          id: row.id,
          device: deviceLabel(row.user_agent),
          ip: row.ip,
          userAgent: row.user_agent,
          createdAt: new Date(row.created_at).toISOString(),
          lastSeenAt: new Date(seen).toISOString(),
          current: row.id === currentSessionId,
        };
      });
    },

    /** Ends one of my sessions (another device I left signed in); 404 for anyone else's. */
    async endOwnSession(principal: Principal, sessionId: string, context: RequestContext): Promise<void> {
      const session = await repo.findSessionWithUser(db, sessionId);
      if (!session || session.userId !== principal.userId) throw new NotFoundError(`You have no session ${sessionId}.`);
      await endSession(sessionId, 'logout', { userId: principal.userId, context });
    },

    endSessionsOfUser,

    /** Needs the current password; my other sessions end (a thief's among them), this one stays. */
    async changePassword(principal: Principal, input: ChangePasswordBody, context: RequestContext): Promise<void> {
      const user = await repo.findUserById(db, principal.userId);
      if (!user || !(await verifyPassword(user.password_hash, input.currentPassword))) {
        throw new InvalidCredentialsError('The current password is not right.');
      }
      if (input.newPassword === input.currentPassword) {
        throw new ValidationError('The new password must differ from the current one.', [{ path: 'newPassword', message: 'same as the current password' }]);
      }
      await deps.passwordPolicy.assertStrong(input.newPassword, 'newPassword', [user.email, user.name]);
      const passwordHash = await hashPassword(input.newPassword);
      await database.transact((trx) => repo.setPassword(trx, user.id, passwordHash, null));
      security.record({ type: 'password.changed', userId: user.id, sessionId: principal.sessionId, context });
      await endSessionsOfUser(user.id, 'password', { context, except: principal.sessionId });
    },

    async twoFactorEnabled(userId: string): Promise<boolean> {
      return ((await repo.findUserById(db, userId))?.totp_enabled_at ?? null) !== null;
    },

    /**
     * Starts enrolment: a new secret, kept sealed and pending until a code proves the app has it.
     * Running it again before enabling replaces the pending secret (a QR code scanned into the wrong phone).
     */
    async setupTwoFactor(principal: Principal): Promise<TwoFactorSetup> {
      const secret = newTotpSecret();
      if (!(await database.transact((trx) => repo.setPendingTotpSecret(trx, principal.userId, seal(secret, totpKey))))) {
        throw new ConflictError('Two-step sign-in is already on for this account.');
      }
      const clinic = await repo.clinicName(db);
      const issuer = clinic && clinic !== DEFAULT_CLINIC_NAME ? `${TOTP_ISSUER} (${clinic})` : TOTP_ISSUER;
      return { secret, otpauthUrl: otpauthUrl(secret, principal.email, issuer) };
    },

    /**
     * Turns 2FA on with a code of the pending secret and returns 10 recovery codes (stored hashed,
     * shown this once). The enrolling session has just proven the code, so it goes on unconfined (an
     * admin's first sign-in continues without signing in again); my other sessions, opened with the
     * password alone, end.
     */
    async enableTwoFactor(principal: Principal, input: EnableTwoFactorBody, context: RequestContext): Promise<RecoveryCodes> {
      const user = await repo.findUserById(db, principal.userId);
      if (!user) throw new UnauthenticatedError();
      if (user.totp_enabled_at !== null) throw new ConflictError('Two-step sign-in is already on for this account.');
      if (user.totp_secret_sealed === null) throw new ConflictError('There is no secret to confirm: start with POST /api/v1/auth/2fa/setup.');
      const now = clock.now();
      const step = matchingStep(unseal(user.totp_secret_sealed, totpKey), input.otp, now);
      if (step === undefined) {
        security.record({ type: '2fa.failed', userId: user.id, sessionId: principal.sessionId, reason: 'wrong code at enrolment', context });
        throw new ValidationError('The code is not the current one of the authenticator app: check that the phone\'s clock is right and type the newest code.', [
          { path: 'body.otp', message: 'not the current code' },
        ]);
      }
      const recoveryCodes = newRecoveryCodes();
      const records = await Promise.all(recoveryCodes.map(recoveryCodeRecord));
      const enabled = await database.transact(async (trx) => {
        if (!(await repo.enableTotp(trx, user.id, now, step))) return false;
        await repo.replaceRecoveryCodes(trx, user.id, records, now);
        return true;
      });
      if (!enabled) throw new ConflictError('Two-step sign-in is already on for this account.');
      security.record({ type: '2fa.enrolled', userId: user.id, sessionId: principal.sessionId, context });
      // Also forgets the cached sessions of this user everywhere, so this one is unconfined from its next request.
      await endSessionsOfUser(user.id, '2fa-enabled', { context, except: principal.sessionId });
      return { recoveryCodes };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
