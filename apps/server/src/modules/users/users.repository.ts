import type { Insertable, Kysely } from 'kysely';
import type { DB, UsersTable } from '../../db/schema.js';

type Db = Kysely<DB>;

export async function insertUser(db: Db, row: Insertable<UsersTable>): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function listUsers(db: Db) {
  return db.selectFrom('users').select(['id', 'email', 'name', 'role']).orderBy('email').execute();
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The user's id, or undefined when no user has that email. */
export async function setPasswordHash(db: Db, email: string, passwordHash: string): Promise<string | undefined> {
  const row = await db.updateTable('users').set({ password_hash: passwordHash }).where('email', '=', email).returning('id').executeTakeFirst();
  return row?.id;
}

export async function revokeSessionsOfUserByEmail(db: Db, email: string, now: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('revoked_at', 'is', null)
    .where('user_id', 'in', db.selectFrom('users').select('id').where('email', '=', email))
    .execute();
}
