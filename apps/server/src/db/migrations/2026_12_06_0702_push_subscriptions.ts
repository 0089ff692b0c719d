import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // A browser that asked, from the patient status page, to be told about one visit (token) by Web Push.
  await db.schema
    .createTable('push_subscriptions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('token_id', 'varchar(64)', (c) => c.notNull())
    // sha256 of the endpoint: finds the same browser again without reading any encrypted value.
    .addColumn('endpoint_hash', 'varchar(64)', (c) => c.notNull())
    // The subscription (endpoint and keys, JSON), encrypted: whoever holds it can write to the phone.
    // Encrypted columns are found by name in any result (modules/keys), so this name is unique.
    .addColumn('push_subscription', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'varchar(500)')
    // Set when the push service said the subscription is gone, or it can never be delivered to.
    .addColumn('disabled_at', 'bigint')
    .execute();
  // One row per browser and visit: a phone may follow two visits (a parent with two children's
  // tokens), so the endpoint is unique per token, not overall. The index serves lookups by token too.
  await db.schema.createIndex('push_subscriptions_token_endpoint').on('push_subscriptions').columns(['token_id', 'endpoint_hash']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('push_subscriptions').execute();
}
