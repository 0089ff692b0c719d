import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { DB, SessionsTable, UsersTable } from '../../db/schema.js';

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
type Db = Kysely<DB>;

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertSession(
  db: Db,
  row: { id: string; user_id: string; created_at: number; expires_at: number; ip: string | null; user_agent: string | null },
): Promise<void> {
  await db.insertInto('sessions').values({ ...row, last_seen_at: row.created_at, revoked_at: null, ended_reason: null }).execute();
}

/** Ends a session; false when it had already ended. */
export async function revokeSession(db: Db, id: string, now: number, reason: string): Promise<boolean> {
  const result = await db.updateTable('sessions').set({ revoked_at: now, ended_reason: reason }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends every live session of a user (but `except`); returns the ids ended. */
export async function revokeSessionsOfUser(db: Db, userId: string, now: number, reason: string, except?: string): Promise<string[]> {
  let query = db.updateTable('sessions').set({ revoked_at: now, ended_reason: reason }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (except !== undefined) query = query.where('id', '!=', except);
  return (await query.returning('id').execute()).map((r) => r.id);
}

/**
 * Deletes sessions that ended (expired or revoked) before `before`, with their refresh tokens and
 * live tickets, and live tickets past their minute. Returns how many sessions went.
 */
export async function purgeEndedSessions(db: Db, before: number, now: number): Promise<number> {
  const endedBefore = (eb: ExpressionBuilder<DB, 'sessions'>) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]);
  const ended = db.selectFrom('sessions').select('id').where(endedBefore);
  await db.deleteFrom('live_tickets').where((eb) => eb.or([eb('session_id', 'in', ended), eb('expires_at', '<', now)])).execute();
  await db.deleteFrom('refresh_tokens').where('session_id', 'in', ended).execute();
  const result = await db.deleteFrom('sessions').where(endedBefore).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function touchSession(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** A user's sessions that have not ended or expired, newest first. */
export async function liveSessionsOfUser(db: Db, userId: string, now: number): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}

/** The session with its user, as every authenticated request checks it. */
export async function findSessionWithUser(db: Db, sessionId: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as sessionId',
      'sessions.created_at as createdAt',
      'sessions.expires_at as expiresAt',
      'sessions.revoked_at as revokedAt',
      'sessions.last_seen_at as lastSeenAt',
      'users.id as userId',
      'users.email',
      'users.name',
      'users.role',
      'users.disabled_at as disabledAt',
      'users.password_reset_at as passwordResetAt',
      'users.totp_enabled_at as totpEnabledAt',
    ])
    .where('sessions.id', '=', sessionId)
    .executeTakeFirst();
}

export async function insertRefreshToken(db: Db, row: { token_hash: string; session_id: string; created_at: number; expires_at: number }): Promise<void> {
  await db.insertInto('refresh_tokens').values({ ...row, used_at: null, successor_hash: null, successor_sealed: null }).execute();
}

export async function findRefreshToken(db: Db, tokenHash: string) {
  return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Spends a refresh token, naming its successor; false when another request spent it first. */
export async function spendRefreshToken(db: Db, tokenHash: string, now: number, successor: { hash: string; sealed: string }): Promise<boolean> {
  const result = await db
    .updateTable('refresh_tokens')
    .set({ used_at: now, successor_hash: successor.hash, successor_sealed: successor.sealed })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setPassword(db: Db, userId: string, passwordHash: string, resetAt: number | null): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, password_reset_at: resetAt }).where('id', '=', userId).execute();
}

/** Starts (or restarts) enrolment: a new pending secret; false when 2FA is already on. */
export async function setPendingTotpSecret(db: Db, userId: string, sealed: string): Promise<boolean> {
  const result = await db.updateTable('users').set({ totp_secret_sealed: sealed, totp_last_step: null }).where('id', '=', userId).where('totp_enabled_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Turns 2FA on with the step of the code that proved it; false when it was already on. */
export async function enableTotp(db: Db, userId: string, now: number, step: number): Promise<boolean> {
  const result = await db.updateTable('users').set({ totp_enabled_at: now, totp_last_step: step }).where('id', '=', userId).where('totp_enabled_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records the step of an accepted code, only if it is later than the last one accepted: false for a
 * replay (the same code, or an older one, presented again), however many requests race.
 */
export async function acceptTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function replaceRecoveryCodes(db: Db, userId: string, codes: { id: string; hash: string }[], now: number): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db.insertInto('recovery_codes').values(codes.map(({ id, hash }) => ({ id, code_hash: hash, user_id: userId, created_at: now, used_at: null }))).execute();
}

/** A user's recovery codes not yet used, as stored (hashed). */
export function unusedRecoveryCodes(db: Db, userId: string): Promise<{ id: string; code_hash: string }[]> {
  return db.selectFrom('recovery_codes').select(['id', 'code_hash']).where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

/** Spends a recovery code; false when someone spent it first (two sign-ins racing with one code). */
export async function spendRecoveryCode(db: Db, userId: string, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('recovery_codes').set({ used_at: now }).where('id', '=', id).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function unusedRecoveryCodeCount(db: Db, userId: string): Promise<number> {
  const row = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The clinic's name as the admin set it (settings `branding`), for the authenticator app's label. */
export async function clinicName(db: Db): Promise<string | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', 'branding').executeTakeFirst();
  if (!row) return undefined;
  const parsed = JSON.parse(row.value) as { clinicName?: unknown };
  return typeof parsed.clinicName === 'string' ? parsed.clinicName : undefined;
}
