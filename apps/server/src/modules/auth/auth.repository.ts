import type { Kysely, Selectable } from 'kysely';
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
