import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Indexes that made the notification queries read more than they return (profiles of bench 9, every
 * waiting patient asking for SMS):
 * - The delivery worker claims the oldest due messages, by (next_attempt_at, created_at). With the
 *   index on (state, next_attempt_at) alone every claim read all the due messages and sorted them
 *   to take twenty; with created_at in it the claim reads the ones it takes, in order.
 * - `notification_consents.approach_due` (0 or 1) is only ever read beside the token's id, the key.
 *   Its index made SQLite's planner, which has no statistics, choose "every consent still due"
 *   (tens of thousands in a long line) over eight key lookups: 6 ms each time the watch looked.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('notification_messages_due').execute();
  await db.schema.createIndex('notification_messages_due').on('notification_messages').columns(['state', 'next_attempt_at', 'created_at']).execute();
  await db.schema.dropIndex('notification_consents_approach_due').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('notification_consents_approach_due').on('notification_consents').column('approach_due').execute();
  await db.schema.dropIndex('notification_messages_due').execute();
  await db.schema.createIndex('notification_messages_due').on('notification_messages').columns(['state', 'next_attempt_at']).execute();
}
