import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { CountersTable, DB, DepartmentsTable } from '../../db/schema.js';

export type DepartmentRow = Selectable<DepartmentsTable>;
export type CounterRow = Selectable<CountersTable>;
type Db = Kysely<DB>;

export async function insertDepartment(db: Db, row: Insertable<DepartmentsTable>): Promise<void> {
  await db.insertInto('departments').values(row).execute();
}

export async function updateDepartment(db: Db, id: string, changes: Updateable<DepartmentsTable>): Promise<void> {
  await db.updateTable('departments').set(changes).where('id', '=', id).execute();
}

export async function findDepartment(db: Db, id: string): Promise<DepartmentRow | undefined> {
  return db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listDepartments(db: Db): Promise<DepartmentRow[]> {
  return db.selectFrom('departments').selectAll().orderBy('code').execute();
}

export async function insertCounter(db: Db, row: Insertable<CountersTable>): Promise<void> {
  await db.insertInto('counters').values(row).execute();
}

export async function findCounter(db: Db, id: string): Promise<CounterRow | undefined> {
  return db.selectFrom('counters').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listCounters(db: Db, departmentId?: string): Promise<CounterRow[]> {
  let query = db.selectFrom('counters').selectAll();
  if (departmentId) query = query.where('department_id', '=', departmentId);
  return query.orderBy('department_id').orderBy('name').execute();
}

export async function countCounters(db: Db, departmentId: string): Promise<number> {
  const row = await db
    .selectFrom('counters')
    .where('department_id', '=', departmentId)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
