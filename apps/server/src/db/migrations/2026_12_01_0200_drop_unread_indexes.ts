import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Every issue and call writes these rows, and no query reads them by these columns (EXPLAIN QUERY
  // PLAN of every statement): the outbox is read by department and seq, the history by token. They
  // were foreign-key indexes, kept for the parent's delete; tokens and users are never deleted (a
  // user is disabled), so no delete ever looks here. Each index cost every insert a b-tree write.
  await db.schema.dropIndex('live_events_token_idx').execute();
  await db.schema.dropIndex('token_transitions_actor_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('live_events_token_idx').on('live_events').column('token_id').execute();
  await db.schema.createIndex('token_transitions_actor_idx').on('token_transitions').column('actor_id').execute();
}
