import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // A counter console reads its counter's latest transitions (undo after a reload, "recently served"):
  // an index range, newest first, however long the counter's history. It replaces the counter_id-only
  // index (its prefix), so a transition's write costs no more b-tree writes than before.
  await db.schema.createIndex('token_transitions_counter_at_idx').on('token_transitions').columns(['counter_id', 'at']).execute();
  await db.schema.dropIndex('token_transitions_counter_idx').execute();

  // One row per department that has board settings; a department without one uses the defaults. A
  // department deleted while unused takes its settings with it.
  await db.schema
    .createTable('board_settings')
    .addColumn('department_id', 'varchar(64)', (c) => c.primaryKey().references('departments.id').onDelete('cascade'))
    .addColumn('ticker', 'text', (c) => c.notNull())
    .addColumn('tile_fade_minutes', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('board_settings').execute();
  await db.schema.createIndex('token_transitions_counter_idx').on('token_transitions').column('counter_id').execute();
  await db.schema.dropIndex('token_transitions_counter_at_idx').execute();
}
