import { sql, type Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Where and from what a session signed in, and when it was last used (idle logoff).
  await db.schema.alterTable('sessions').addColumn('ip', 'varchar(64)').execute();
  await db.schema.alterTable('sessions').addColumn('user_agent', 'varchar(512)').execute();
  await db.schema.alterTable('sessions').addColumn('last_seen_at', 'bigint').execute();
  await db.schema.alterTable('sessions').addColumn('ended_reason', 'varchar(32)').execute();
  await sql`update sessions set last_seen_at = created_at`.execute(db);
  // A spent refresh token remembers its successor, sealed with a key only the spent token's holder
  // can derive, so a second refresh within the grace window gets the same successor.
  await db.schema.alterTable('refresh_tokens').addColumn('successor_hash', 'varchar(64)').execute();
  await db.schema.alterTable('refresh_tokens').addColumn('successor_sealed', 'varchar(512)').execute();
  // Set when an admin reset the password: the user must choose a new one before anything else.
  await db.schema.alterTable('users').addColumn('password_reset_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('password_reset_at').execute();
  await db.schema.alterTable('refresh_tokens').dropColumn('successor_sealed').execute();
  await db.schema.alterTable('refresh_tokens').dropColumn('successor_hash').execute();
  for (const column of ['ended_reason', 'last_seen_at', 'user_agent', 'ip']) await db.schema.alterTable('sessions').dropColumn(column).execute();
}
