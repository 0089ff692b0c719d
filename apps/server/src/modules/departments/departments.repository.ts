import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
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

export async function deleteDepartment(db: Db, id: string): Promise<void> {
  await db.deleteFrom('departments').where('id', '=', id).execute();
}

export async function findDepartment(db: Db, id: string): Promise<DepartmentRow | undefined> {
  return db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Another department of this name, compared as the unique index compares (the database's lower()). */
export async function departmentNamed(db: Db, name: string, exceptId?: string): Promise<DepartmentRow | undefined> {
  let query = db.selectFrom('departments').selectAll().where(sql`lower(name)`, '=', sql`lower(${name})`);
  if (exceptId) query = query.where('id', '<>', exceptId);
  return query.executeTakeFirst();
}

export async function departmentWithCode(db: Db, code: string, exceptId?: string): Promise<DepartmentRow | undefined> {
  let query = db.selectFrom('departments').selectAll().where('code', '=', code);
  if (exceptId) query = query.where('id', '<>', exceptId);
  return query.executeTakeFirst();
}

export async function listDepartments(db: Db, onlyActive = false): Promise<DepartmentRow[]> {
  let query = db.selectFrom('departments').selectAll();
  if (onlyActive) query = query.where('active', '=', 1);
  return query.orderBy('code').execute();
}

export async function insertCounter(db: Db, row: Insertable<CountersTable>): Promise<void> {
  await db.insertInto('counters').values(row).execute();
}

export async function updateCounter(db: Db, id: string, changes: Updateable<CountersTable>): Promise<void> {
  await db.updateTable('counters').set(changes).where('id', '=', id).execute();
}

export async function deleteCounter(db: Db, id: string): Promise<void> {
  await db.deleteFrom('counters').where('id', '=', id).execute();
}

export async function findCounter(db: Db, id: string): Promise<CounterRow | undefined> {
  return db.selectFrom('counters').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function counterNamed(db: Db, departmentId: string, name: string, exceptId?: string): Promise<CounterRow | undefined> {
  let query = db.selectFrom('counters').selectAll().where('department_id', '=', departmentId).where(sql`lower(name)`, '=', sql`lower(${name})`);
  if (exceptId) query = query.where('id', '<>', exceptId);
  return query.executeTakeFirst();
}

/** Counters in the order the admin set (then by name), grouped by department. */
export async function listCounters(db: Db, departmentId?: string, onlyActive = false): Promise<CounterRow[]> {
  let query = db.selectFrom('counters').selectAll();
  if (departmentId) query = query.where('department_id', '=', departmentId);
  if (onlyActive) query = query.where('active', '=', 1);
  return query.orderBy('department_id').orderBy('sort_order').orderBy('name').execute();
}

export async function nextSortOrder(db: Db, departmentId: string): Promise<number> {
  const row = await db
    .selectFrom('counters')
    .where('department_id', '=', departmentId)
    .select((eb) => eb.fn.max<number | null>('sort_order').as('last'))
    .executeTakeFirst();
  return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
}

export async function countCounters(db: Db, departmentId: string): Promise<number> {
  const row = await db
    .selectFrom('counters')
    .where('department_id', '=', departmentId)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Whether any token, transition or service record names this department (then it cannot be deleted). */
export async function departmentInUse(db: Db, id: string): Promise<boolean> {
  const token = await db
    .selectFrom('tokens')
    .select('id')
    .where((eb) => eb.or([eb('department_id', '=', id), eb('issued_department_id', '=', id)]))
    .limit(1)
    .executeTakeFirst();
  if (token) return true;
  const transition = await db
    .selectFrom('token_transitions')
    .select('id')
    .where((eb) => eb.or([eb('department_id', '=', id), eb('from_department_id', '=', id)]))
    .limit(1)
    .executeTakeFirst();
  return transition !== undefined;
}

/** Whether any token or its history names this counter. */
export async function counterInUse(db: Db, id: string): Promise<boolean> {
  const token = await db.selectFrom('tokens').select('id').where('counter_id', '=', id).limit(1).executeTakeFirst();
  if (token) return true;
  const transition = await db.selectFrom('token_transitions').select('id').where('counter_id', '=', id).limit(1).executeTakeFirst();
  if (transition) return true;
  const service = await db.selectFrom('services').select('transition_id').where('counter_id', '=', id).limit(1).executeTakeFirst();
  return service !== undefined;
}

/** The patient a counter has now (called or serving), if any. */
export async function counterBusy(db: Db, id: string): Promise<boolean> {
  const row = await db.selectFrom('tokens').select('id').where('counter_id', '=', id).where('status', 'in', ['called', 'serving']).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Rows that exist only for a department's own bookkeeping (sequences, lane counts, live events) go with it. */
export async function deleteDepartmentBookkeeping(db: Db, id: string): Promise<void> {
  await db.deleteFrom('daily_sequences').where('department_id', '=', id).execute();
  await db.deleteFrom('queue_lane_counts').where('department_id', '=', id).execute();
  await db.deleteFrom('live_events').where('department_id', '=', id).execute();
  await db.deleteFrom('department_event_seqs').where('department_id', '=', id).execute();
}
