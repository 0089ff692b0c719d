import type { Kysely } from 'kysely';
import { columns, prepared, type Params } from '../../db/prepared.js';
import type { DB } from '../../db/schema.js';
import { cipherOf, idempotencyAad } from '../keys/encrypted-columns.js';

type Db = Kysely<DB>;

export async function findKey(db: Db, scope: string, key: string) {
  return db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
}

/**
 * Takes the key for this request in one statement: inserts it, or takes over a row older than
 * `expiredBefore`. False when a live row holds it. On PostgreSQL a concurrent holder that has not
 * committed makes this wait, so a parallel retry reads the first answer instead of redoing the work.
 */
// Claimed and stored on every retried-safe request: prepared (db/prepared.ts), built and compiled once.
const claimKeyQuery = prepared((db, p: Params<'scope' | 'key' | 'request_hash' | 'status_code' | 'body' | 'created_at' | 'expiredBefore'>) =>
  db
    .insertInto('idempotency_keys')
    .values(columns(p, ['scope', 'key', 'request_hash', 'status_code', 'body', 'created_at']))
    .onConflict((oc) =>
      oc
        .columns(['scope', 'key'])
        .doUpdateSet({ request_hash: p.request_hash, status_code: p.status_code, body: p.body, created_at: p.created_at })
        .where('idempotency_keys.created_at', '<', p.expiredBefore),
    )
    .returning('key'),
);

export async function claimKey(
  db: Db,
  row: { scope: string; key: string; request_hash: string; status_code: number; body: string; created_at: number },
  expiredBefore: number,
): Promise<boolean> {
  return (await claimKeyQuery(db, { ...row, expiredBefore })).rows.length > 0;
}

const storeResultQuery = prepared((db, p: Params<'scope' | 'key' | 'statusCode' | 'body'>) =>
  db.updateTable('idempotency_keys').set({ status_code: p.statusCode, body: p.body }).where('scope', '=', p.scope).where('key', '=', p.key),
);

/** Remembers the answer, encrypted under the keyring as well (it names the patient): sealed with the client's key alone, a guessable key would open it. */
export async function storeResult(db: Db, scope: string, key: string, statusCode: number, body: string): Promise<void> {
  await storeResultQuery(db, { scope, key, statusCode, body: cipherOf(db).encrypt(body, idempotencyAad(scope, key)) });
}

export async function deleteKeysBefore(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
