import { sql, type Kysely } from 'kysely';
import { ACTIVE_STATUSES } from '@smart-token/contracts';
import type { DB } from '../../db/schema.js';

type Db = Kysely<DB>;

/** Finished visits (no longer in any line) last changed before `before` whose identifiers are still kept. */
export async function visitsDueForErasure(db: Db, before: number, limit: number): Promise<{ id: string; number: string }[]> {
  return db
    .selectFrom('tokens')
    .select(['id', 'number'])
    .where('status', 'not in', [...ACTIVE_STATUSES])
    .where('updated_at', '<', before)
    .where('patient_name', '!=', '')
    .orderBy('updated_at')
    .limit(sql.lit(limit))
    .execute();
}

/** Erases the patient's identifiers from these visits; the number, department, statuses and times stay. */
export async function eraseIdentifiers(db: Db, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('tokens')
    .set({ patient_name: '', phone_e164: '', phone_last4: '', phone_index: null, last4_index: null, notify_channel: null })
    .where('id', 'in', ids)
    .executeTakeFirst();
  // The messages sent about these visits go with them: their texts (status links, numbers) and the consents.
  await db.updateTable('notification_messages').set({ message_body: null, to_phone: null }).where('token_id', 'in', ids).execute();
  await db.deleteFrom('notification_consents').where('token_id', 'in', ids).execute();
  await db.deleteFrom('push_subscriptions').where('token_id', 'in', ids).execute();
  return Number(result.numUpdatedRows);
}
