import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Boards and consoles read a department's latest called, serving and parked tokens (newest first):
  // an index range in that order, however many tokens were left called during the day.
  await db.schema.createIndex('tokens_latest_idx').on('tokens').columns(['department_id', 'status', 'updated_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tokens_latest_idx').execute();
}
