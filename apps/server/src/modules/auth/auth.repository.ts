import type { Kysely, Selectable } from 'kysely';
import type { DB, UsersTable } from '../../db/schema.js';

export type UserRow = Selectable<UsersTable>;
type Db = Kysely<DB>;

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function insertSession(db: Db, row: { id: string; user_id: string; created_at: number; expires_at: number }): Promise<void> {
  await db.insertInto('sessions').values({ ...row, revoked_at: null }).execute();
}

export async function revokeSession(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** The session with its user, as every authenticated request checks it. */
export async function findSessionWithUser(db: Db, sessionId: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as sessionId',
      'sessions.expires_at as expiresAt',
      'sessions.revoked_at as revokedAt',
      'users.id as userId',
      'users.email',
      'users.name',
      'users.role',
      'users.disabled_at as disabledAt',
    ])
    .where('sessions.id', '=', sessionId)
    .executeTakeFirst();
}

export async function insertRefreshToken(db: Db, row: { token_hash: string; session_id: string; created_at: number; expires_at: number }): Promise<void> {
  await db.insertInto('refresh_tokens').values({ ...row, used_at: null }).execute();
}

export async function findRefreshToken(db: Db, tokenHash: string) {
  return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Spends a refresh token; false when another request spent it first. */
export async function spendRefreshToken(db: Db, tokenHash: string, now: number): Promise<boolean> {
  const result = await db.updateTable('refresh_tokens').set({ used_at: now }).where('token_hash', '=', tokenHash).where('used_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
