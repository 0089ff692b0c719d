import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

type Db = Kysely<DB>;

export async function findKey(db: Db, scope: string, key: string) {
  return db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
}

export async function deleteKey(db: Db, scope: string, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
}

export async function insertKey(db: Db, row: { scope: string; key: string; request_hash: string; status_code: number; body: string; created_at: number }): Promise<void> {
  await db.insertInto('idempotency_keys').values(row).execute();
}

export async function deleteKeysBefore(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
