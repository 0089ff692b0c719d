import type { Insertable, Kysely, Selectable } from 'kysely';
import type { DB, UsersTable } from '../../db/schema.js';

type Db = Kysely<DB>;
export type UserRow = Selectable<UsersTable>;

export async function insertUser(db: Db, row: Insertable<UsersTable>): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listUsers(db: Db) {
  return db.selectFrom('users').select(['id', 'email', 'name', 'role', 'disabled_at']).orderBy('email').execute();
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateUser(db: Db, id: string, changes: Pick<UserRow, 'name' | 'role' | 'disabled_at'>): Promise<void> {
  await db.updateTable('users').set(changes).where('id', '=', id).execute();
}

/** The user's id, or undefined when no user has that email. `resetAt`: an admin's reset (a change is then required). */
export async function setPasswordHash(db: Db, email: string, passwordHash: string, resetAt: number | null): Promise<string | undefined> {
  const row = await db.updateTable('users').set({ password_hash: passwordHash, password_reset_at: resetAt }).where('email', '=', email).returning('id').executeTakeFirst();
  return row?.id;
}
