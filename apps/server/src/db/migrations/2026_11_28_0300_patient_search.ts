import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Reception searches by phone first: returning patients are found in one index lookup.
  await db.schema.createIndex('tokens_phone_idx').on('tokens').columns(['phone_e164', 'issued_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tokens_phone_idx').execute();
}
