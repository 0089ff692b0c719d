import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { cipherOf } from '../keys/encrypted-columns.js';

/** The latest tokens issued to this phone (found by its blind index), newest first. */
export async function recentTokensByPhone(db: Kysely<DB>, phoneE164: string, limit: number) {
  return db
    .selectFrom('tokens')
    // The id comes along: each encrypted value is bound to its row, and decrypts with it.
    .select(['id', 'patient_name', 'phone_last4', 'language', 'issued_at', 'number'])
    .where('phone_index', '=', cipherOf(db).blindIndex('phone', phoneE164))
    .orderBy('issued_at', 'desc')
    .limit(sql.lit(limit))
    .execute();
}
