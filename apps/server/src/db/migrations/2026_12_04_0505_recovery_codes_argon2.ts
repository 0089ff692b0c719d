import { sql, type Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Recovery codes carry about 50 bits: below 112 bits ASVS 6.5.2 wants a password hash (argon2id,
  // ~97 characters) rather than SHA-256, so the hash can no longer be the 64-character key. Codes
  // already given out keep working: their SHA-256 is kept, marked `sha256:`, and the row's id.
  await db.schema
    .createTable('recovery_codes_v2')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
    .addColumn('code_hash', 'varchar(160)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await sql`insert into recovery_codes_v2 (id, user_id, code_hash, created_at, used_at)
            select code_hash, user_id, 'sha256:' || code_hash, created_at, used_at from recovery_codes`.execute(db);
  await db.schema.dropTable('recovery_codes').execute();
  await db.schema.alterTable('recovery_codes_v2').renameTo('recovery_codes').execute();
  await db.schema.createIndex('recovery_codes_by_user').on('recovery_codes').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('recovery_codes_by_user').execute();
  await db.schema.dropTable('recovery_codes').execute();
  await db.schema
    .createTable('recovery_codes')
    .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('recovery_codes_user_idx').on('recovery_codes').column('user_id').execute();
}
