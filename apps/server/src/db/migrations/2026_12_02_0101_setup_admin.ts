import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // The entry desk (registration/OPD) is reception's default; deactivated departments and counters
  // stay for their history but take no new tokens; the department's name in the clinic's other languages.
  await db.schema.alterTable('departments').addColumn('is_entry', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('departments').addColumn('active', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('departments').addColumn('name_hi', 'varchar(120)').execute();
  await db.schema.alterTable('departments').addColumn('name_ar', 'varchar(120)').execute();

  await db.schema.alterTable('counters').addColumn('active', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('counters').addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // Counters were listed by name: that order becomes their starting position.
  const counters = await db.selectFrom('counters').select(['id', 'department_id']).orderBy('department_id').orderBy('name').orderBy('id').execute();
  const next = new Map<string, number>();
  for (const counter of counters as { id: string; department_id: string }[]) {
    const position = next.get(counter.department_id) ?? 0;
    next.set(counter.department_id, position + 1);
    await db.updateTable('counters').set({ sort_order: position }).where('id', '=', counter.id).execute();
  }

  // Clinic-wide settings the admin edits (branding): one JSON document per key.
  await db.schema
    .createTable('settings')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('settings').execute();
  await db.schema.alterTable('counters').dropColumn('sort_order').execute();
  await db.schema.alterTable('counters').dropColumn('active').execute();
  await db.schema.alterTable('departments').dropColumn('name_ar').execute();
  await db.schema.alterTable('departments').dropColumn('name_hi').execute();
  await db.schema.alterTable('departments').dropColumn('active').execute();
  await db.schema.alterTable('departments').dropColumn('is_entry').execute();
}
