import { sql, type Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */

const MAX_NAME_LENGTH = 120;

interface Named {
  id: string;
  name: string;
  /** The name as the unique index compares it (the database's own lower()). */
  key: string;
  /** The group the name must be unique in. */
  scope: string;
}

/**
 * Older data may hold two counters "Room 1" in one department (or two departments of one name):
 * the unique index below would refuse to build. The first made keeps its name; each later one gets
 * " (2)", " (3)"… so the admin sees both and can rename them, and no row is lost.
 */
async function renameDuplicates(db: Kysely<any>, table: 'departments' | 'counters', rows: Named[]): Promise<void> {
  const taken = new Set(rows.map((r) => `${r.scope}\u0000${r.key}`));
  const seen = new Set<string>();
  for (const row of rows) {
    const id = `${row.scope}\u0000${row.key}`;
    if (!seen.has(id)) {
      seen.add(id);
      continue;
    }
    for (let n = 2; ; n++) {
      const suffix = ` (${n})`;
      const base = row.name.slice(0, MAX_NAME_LENGTH - suffix.length);
      const candidate = `${row.scope}\u0000${row.key.slice(0, MAX_NAME_LENGTH - suffix.length)}${suffix}`;
      if (taken.has(candidate)) continue;
      taken.add(candidate);
      await db.updateTable(table).set({ name: `${base}${suffix}` }).where('id', '=', row.id).execute();
      break;
    }
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  const departments = await db
    .selectFrom('departments')
    .select(['id', 'name', sql<string>`lower(name)`.as('key'), sql<string>`''`.as('scope')])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  await renameDuplicates(db, 'departments', departments);
  const counters = await db
    .selectFrom('counters')
    .select(['id', 'name', sql<string>`lower(name)`.as('key'), 'department_id as scope'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  await renameDuplicates(db, 'counters', counters);

  // Names are unique ignoring case: two admins creating "Room 1" and "room 1" at once cannot both win.
  // (Names arrive trimmed with single spaces; the API compares them the same way first, for a clear message.)
  await sql`create unique index departments_name_unique on departments (lower(name))`.execute(db);
  await sql`create unique index counters_name_unique on counters (department_id, lower(name))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('counters_name_unique').execute();
  await db.schema.dropIndex('departments_name_unique').execute();
}
