import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/** The latest tokens issued to this phone, newest first. */
export async function recentTokensByPhone(db: Kysely<DB>, phoneE164: string, limit: number) {
  return db
    .selectFrom('tokens')
    .select(['patient_name', 'phone_last4', 'language', 'issued_at', 'number'])
    .where('phone_e164', '=', phoneE164)
    .orderBy('issued_at', 'desc')
    .limit(sql.lit(limit))
    .execute();
}
