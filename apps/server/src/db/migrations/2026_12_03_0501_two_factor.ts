import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // TOTP (RFC 6238): the secret is sealed with a key derived from the app's secret, never stored
  // readable. Set and not enabled: enrolment started and not yet confirmed with a code.
  await db.schema.alterTable('users').addColumn('totp_secret_sealed', 'varchar(256)').execute();
  await db.schema.alterTable('users').addColumn('totp_enabled_at', 'bigint').execute();
  // The time step of the last code accepted: a code of that step or an earlier one is refused (replay).
  await db.schema.alterTable('users').addColumn('totp_last_step', 'bigint').execute();

  // One-time recovery codes, stored hashed: each works once in place of a code.
  await db.schema
    .createTable('recovery_codes')
    .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('recovery_codes_user_idx').on('recovery_codes').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('recovery_codes').execute();
  for (const column of ['totp_last_step', 'totp_enabled_at', 'totp_secret_sealed']) await db.schema.alterTable('users').dropColumn(column).execute();
}
