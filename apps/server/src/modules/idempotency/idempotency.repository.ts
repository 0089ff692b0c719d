import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

type Db = Kysely<DB>;

export async function findKey(db: Db, scope: string, key: string) {
  return db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
}

/**
 * Takes the key for this request in one statement: inserts it, or takes over a row older than
 * `expiredBefore`. False when a live row holds it. On PostgreSQL a concurrent holder that has not
 * committed makes this wait, so a parallel retry reads the first answer instead of redoing the work.
 */
export async function claimKey(
  db: Db,
  row: { scope: string; key: string; request_hash: string; status_code: number; body: string; created_at: number },
  expiredBefore: number,
): Promise<boolean> {
  const claimed = await db
    .insertInto('idempotency_keys')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['scope', 'key'])
        .doUpdateSet({ request_hash: row.request_hash, status_code: row.status_code, body: row.body, created_at: row.created_at })
        .where('idempotency_keys.created_at', '<', expiredBefore),
    )
    .returning('key')
    .executeTakeFirst();
  return claimed !== undefined;
}

export async function storeResult(db: Db, scope: string, key: string, statusCode: number, body: string): Promise<void> {
  await db.updateTable('idempotency_keys').set({ status_code: statusCode, body }).where('scope', '=', scope).where('key', '=', key).execute();
}

export async function deleteKeysBefore(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
