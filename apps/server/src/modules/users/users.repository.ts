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

/**
 * Turns a user's two-step sign-in off: the secret, its last used step and the recovery codes go.
 * Returns the user's id, or undefined when no user has that email.
 */
export async function clearTwoFactor(db: Db, email: string): Promise<string | undefined> {
  const row = await db.updateTable('users').set({ totp_secret_sealed: null, totp_enabled_at: null, totp_last_step: null }).where('email', '=', email).returning('id').executeTakeFirst();
  if (row) await db.deleteFrom('recovery_codes').where('user_id', '=', row.id).execute();
  return row?.id;
}

/** The departments of each of these users (every user's when no ids are given), in no particular order. */
export async function departmentsOfUsers(db: Db, userIds?: readonly string[]): Promise<Map<string, string[]>> {
  let query = db.selectFrom('user_departments').select(['user_id', 'department_id']);
  if (userIds) {
    if (userIds.length === 0) return new Map();
    query = query.where('user_id', 'in', userIds);
  }
  const byUser = new Map<string, string[]>();
  for (const row of await query.execute()) {
    const list = byUser.get(row.user_id);
    if (list) list.push(row.department_id);
    else byUser.set(row.user_id, [row.department_id]);
  }
  return byUser;
}

/** Which of these ids name a department. */
export async function existingDepartmentIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('departments').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

/** Replaces the user's departments with these. */
export async function setUserDepartments(db: Db, userId: string, departmentIds: readonly string[]): Promise<void> {
  await db.deleteFrom('user_departments').where('user_id', '=', userId).execute();
  if (departmentIds.length > 0) {
    await db
      .insertInto('user_departments')
      .values(departmentIds.map((department_id) => ({ user_id: userId, department_id })))
      .execute();
  }
}
