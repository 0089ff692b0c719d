import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // The scheduled backup's lease: one row per local day, so instances sharing the database take one
  // backup a day between them. A run that never finished (a crash, a failure) is taken over once its
  // lease has expired.
  await db.schema
    .createTable('backup_runs')
    .addColumn('day', 'varchar(10)', (c) => c.primaryKey())
    .addColumn('instance', 'varchar(64)', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('file', 'varchar(255)')
    .addColumn('error', 'varchar(500)')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('backup_runs').execute();
}
