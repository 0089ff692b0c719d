import type { LoginBody, Role, User } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { InvalidCredentialsError, RateLimitedError, UnauthenticatedError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId, newSecret, sha256 } from '../../lib/ids.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import { createReadCache } from '../cache/read-cache.js';
import { LOGIN_LOCKOUT, clearFailures, countFailureUnlessLocked } from '../lockouts/lockouts.js';
import { ACCESS_TOKEN_TTL_SECONDS, csrfTokenFor, signAccessToken, verifyAccessToken } from './access-tokens.js';
import * as repo from './auth.repository.js';
import { verifyPassword } from './passwords.js';

/** A staff working day: the session ends after this however active it is (ASVS / NIST AAL2: 12 h). */
export const SESSION_ABSOLUTE_TTL_MS = 12 * 60 * 60_000;
/** Sessions kept in memory per instance; past it the least recently used are read again. */
const SESSION_CACHE_MAX_ENTRIES = 10_000;
/** Only a safety net for an invalidation that never arrived (Redis down, a change made elsewhere). */
const SESSION_CACHE_TTL_MS = 30_000;

type SessionWithUser = NonNullable<Awaited<ReturnType<typeof repo.findSessionWithUser>>>;

export interface Principal {
  userId: string;
  sessionId: string;
  email: string;
  name: string;
  role: Role;
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
}

export function createAuthService(deps: {
  database: Database;
  clock: Clock;
  jwtSecret: Uint8Array;
  invalidation: Pick<CacheInvalidationBus, 'publish' | 'subscribe' | 'catchUp'>;
}) {
  const { database, clock, jwtSecret, invalidation } = deps;
  const { db } = database;

  async function issueTokens(user: User, sessionId: string, sessionExpiresAt: number): Promise<IssuedSession> {
    const now = clock.now();
    const refreshToken = newSecret();
    await database.transact((trx) =>
      repo.insertRefreshToken(trx, { token_hash: sha256(refreshToken), session_id: sessionId, created_at: now, expires_at: sessionExpiresAt }),
    );
    return {
      accessToken: await signAccessToken(jwtSecret, { userId: user.id, sessionId, role: user.role }, Math.floor(now / 1000)),
      tokenType: 'Bearer',
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      refreshToken,
      refreshExpiresIn: Math.max(1, Math.floor((sessionExpiresAt - now) / 1000)),
      csrfToken: csrfTokenFor(jwtSecret, sessionId),
      user,
    };
  }

  const toUser = (row: { userId: string; email: string; name: string; role: Role }): User => ({
    id: row.userId,
    email: row.email,
    name: row.name,
    role: row.role,
  });

  const toPrincipal = (row: { userId: string; sessionId: string; email: string; name: string; role: Role }): Principal => ({
    userId: row.userId,
    sessionId: row.sessionId,
    email: row.email,
    name: row.name,
    role: row.role,
  });

  // Every authenticated request reads its session and user: keep them, and forget them on every
  // instance once the session ends or the user changes (whoever changes them publishes it).
  const sessions = createReadCache<SessionWithUser>({ max: SESSION_CACHE_MAX_ENTRIES, ttlMs: SESSION_CACHE_TTL_MS, catchUp: () => invalidation.catchUp() });
  invalidation.subscribe((message) => {
    if (message.kind === 'session') sessions.delete(message.id);
    else if (message.kind === 'user') sessions.deleteWhere((s) => s.userId === message.id);
    else if (message.kind === 'everything') sessions.clear();
  });

  async function endSession(sessionId: string): Promise<void> {
    await database.transact((trx) => repo.revokeSession(trx, sessionId, clock.now()));
    await invalidation.publish({ kind: 'session', id: sessionId });
  }

  /** The live session's principal; undefined when it is unknown, revoked, expired or its user disabled. */
  async function principalOfSession(sessionId: string): Promise<Principal | undefined> {
    const session = await sessions.get(sessionId, () => repo.findSessionWithUser(db, sessionId));
    if (!session || session.revokedAt !== null || session.expiresAt <= clock.now() || session.disabledAt !== null) return undefined;
    return toPrincipal(session);
  }

  /**
   * The lockout holds across instances because the attempt is counted in the database before the
   * password is checked: countFailureUnlessLocked takes the account's lockout row (serialised by
   * the row lock on PostgreSQL, by the write lock on SQLite), so of any number of parallel attempts
   * on any number of instances at most five get past it before the lock, and every later one,
   * with the right password too, is refused until the lock ends. The hash is checked after that
   * short transaction has committed (never inside one); a right password then clears the count,
   * as a success always has. Checking first and counting after the hash (as before) lets
   * simultaneous attempts all pass the check before any failure is counted; holding a lock across
   * the hash would keep a transaction open for the hash's time. The cost of counting first: while
   * a right password is being checked it counts as a failure, so if it is the fifth attempt in
   * flight the others are refused until it succeeds and clears the count.
   */
  async function attemptLogin(input: LoginBody): Promise<IssuedSession> {
    const subject = sha256(input.email);
    const now = clock.now();
    const locked = await database.transact((trx) => countFailureUnlessLocked(trx, LOGIN_LOCKOUT, subject, now));
    if (locked > 0) throw new RateLimitedError('Too many failed sign-ins for this account; try again later or ask an admin.', locked / 1000);
    const user = await repo.findUserByEmail(db, input.email);
    const valid = await verifyPassword(user?.password_hash, input.password);
    // Already counted: a failure needs nothing more.
    if (!user || !valid || user.disabled_at !== null) throw new InvalidCredentialsError();
    const sessionId = newId();
    const expiresAt = now + SESSION_ABSOLUTE_TTL_MS;
    await database.transact(async (trx) => {
      await clearFailures(trx, LOGIN_LOCKOUT, subject);
      await repo.insertSession(trx, { id: sessionId, user_id: user.id, created_at: now, expires_at: expiresAt });
    });
    return issueTokens(toUser({ userId: user.id, email: user.email, name: user.name, role: user.role }), sessionId, expiresAt);
  }

  return {
    login: attemptLogin,

    /** Rotation: each refresh token works once; presenting a spent one ends the whole session. */
    async refresh(refreshToken: string): Promise<IssuedSession> {
      const now = clock.now();
      const hash = sha256(refreshToken);
      const stored = await repo.findRefreshToken(db, hash);
      if (!stored) throw new UnauthenticatedError('The refresh token is not valid; sign in again.');
      const session = await repo.findSessionWithUser(db, stored.session_id);
      if (stored.used_at !== null || !(await database.transact((trx) => repo.spendRefreshToken(trx, hash, now)))) {
        await endSession(stored.session_id);
        throw new UnauthenticatedError('This refresh token was already used; the session has been ended for safety. Sign in again.');
      }
      if (!session || session.revokedAt !== null || session.expiresAt <= now || stored.expires_at <= now || session.disabledAt !== null) {
        throw new UnauthenticatedError('The session has ended; sign in again.');
      }
      return issueTokens(toUser(session), session.sessionId, session.expiresAt);
    },

    logout: endSession,

    async sessionOfRefreshToken(refreshToken: string): Promise<string | undefined> {
      return (await repo.findRefreshToken(db, sha256(refreshToken)))?.session_id;
    },

    principalOfSession,

    /**
     * Checks an access token and its live session: a revoked session or disabled user is out from
     * the next request, on every instance (the session cache is invalidated through the bus).
     */
    async authenticate(accessToken: string): Promise<Principal> {
      const claims = await verifyAccessToken(jwtSecret, accessToken, clock.now());
      if (!claims) throw new UnauthenticatedError('The access token is not valid or has expired.');
      const principal = await principalOfSession(claims.sessionId);
      if (!principal || principal.userId !== claims.userId) throw new UnauthenticatedError('The session has ended; sign in again.');
      return principal;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
