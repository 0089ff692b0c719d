import { PostgresAdapter, type Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** The columns that now hold `enc1.…` values, longer than the plaintext their varchar was sized for. */
const ENCRYPTED_TOKEN_COLUMNS = ['patient_name', 'phone_e164', 'phone_last4'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  // The keys that encrypt patients' identifiers, each wrapped (AES-256-GCM) by the master key, which
  // is never stored here. 'data' keys encrypt values (one is current; rotation adds one and retires
  // the rest); the 'index' key keys the blind indexes that find a patient by phone.
  await db.schema
    .createTable('data_keys')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('purpose', 'varchar(8)', (c) => c.notNull())
    .addColumn('wrapped', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('retired_at', 'bigint')
    .execute();

  // Keyed blind indexes (HMAC of the number): "find by phone" and "find by last four digits" without the plaintext.
  await db.schema.alterTable('tokens').addColumn('phone_index', 'varchar(32)').execute();
  await db.schema.alterTable('tokens').addColumn('last4_index', 'varchar(32)').execute();
  // The plaintext phone index goes: its entries held every phone number. Lookups use the blind index.
  await db.schema.dropIndex('tokens_phone_idx').execute();
  await db.schema.createIndex('tokens_phone_index_idx').on('tokens').columns(['phone_index', 'issued_at']).execute();
  await db.schema.createIndex('tokens_last4_index_idx').on('tokens').columns(['issue_day', 'last4_index']).execute();

  // SQLite does not enforce a varchar's length; PostgreSQL does, and a ciphertext is longer than its plaintext.
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const column of ENCRYPTED_TOKEN_COLUMNS) {
      await db.schema.alterTable('tokens').alterColumn(column, (c) => c.setDataType('text')).execute();
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  // Values stay encrypted: going down is for tests of this migration, on databases without patients.
  await db.schema.dropIndex('tokens_last4_index_idx').execute();
  await db.schema.dropIndex('tokens_phone_index_idx').execute();
  await db.schema.createIndex('tokens_phone_idx').on('tokens').columns(['phone_e164', 'issued_at']).execute();
  await db.schema.alterTable('tokens').dropColumn('last4_index').execute();
  await db.schema.alterTable('tokens').dropColumn('phone_index').execute();
  await db.schema.dropTable('data_keys').execute();
}
