import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Reception searches today's tokens (by number, phone or name): the day's rows are one index range, newest first.
  await db.schema.createIndex('tokens_day_idx').on('tokens').columns(['issue_day', 'issued_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tokens_day_idx').execute();
}
