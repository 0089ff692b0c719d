import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * A message has a provider's id only once Twilio took it; a delivery receipt finds it by that id.
 * Every message a patient is owed was written into this index with a NULL it never looks up: one
 * b-tree of the six each insert wrote (bench 9). Partial, the index holds only the ids receipts
 * ask for; `provider_id = ?` implies the index's condition on both engines, so receipts still use it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('notification_messages_provider').execute();
  await db.schema
    .createIndex('notification_messages_provider')
    .on('notification_messages')
    .column('provider_id')
    .where('provider_id', 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('notification_messages_provider').execute();
  await db.schema.createIndex('notification_messages_provider').on('notification_messages').column('provider_id').execute();
}
