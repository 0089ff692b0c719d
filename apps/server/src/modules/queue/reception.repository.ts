import { ACTIVE_STATUSES, type HistoryAction, type TokenAction } from '@smart-token/contracts';
import { sql, type Kysely } from 'kysely';
import type { DB, TokenTransitionsTable } from '../../db/schema.js';
import { cipherOf } from '../keys/encrypted-columns.js';
import type { TokenRow } from './queue.repository.js';

type Db = Kysely<DB>;

/** A history row of any action, reprint included. */
export type HistoryRow = Omit<TokenTransitionsTable, 'action'> & { action: HistoryAction };

/**
 * What one search asks for among a day's tokens, in SQL; each part present widens the match (OR).
 * A name is matched by the service on the decrypted names (`dayNames`): the database holds no
 * plaintext name to search.
 */
export interface TokenSearch {
  day: string;
  /** An exact token number (`GEN-004`). */
  number?: string;
  /** Numbers starting with these letters (`GEN` finds GEN-…). */
  numberPrefix?: string;
  /** The sequence part of a number in any department (`4` finds GEN-004 and LAB-004). */
  seq?: number;
  /** Found through the phone's blind index. */
  phoneE164?: string;
  /** Found through the last four digits' blind index. */
  phoneLast4?: string;
  limit: number;
}

/** LIKE's own characters in a person's text match themselves, not "anything". */
const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A day's tokens matching any part of the search, newest first. */
export async function searchDay(db: Db, search: TokenSearch): Promise<TokenRow[]> {
  const cipher = cipherOf(db);
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('issue_day', '=', search.day)
    .where((eb) => {
      const any = [];
      if (search.number !== undefined) any.push(eb('number', '=', search.number));
      if (search.numberPrefix !== undefined) any.push(eb('number', 'like', sql<string>`${`${escapeLike(search.numberPrefix)}-%`} escape '\\'`));
      if (search.seq !== undefined) any.push(eb('seq', '=', search.seq));
      if (search.phoneE164 !== undefined) any.push(eb('phone_index', '=', cipher.blindIndex('phone', search.phoneE164)));
      if (search.phoneLast4 !== undefined) any.push(eb('last4_index', '=', cipher.blindIndex('last4', search.phoneLast4)));
      return any.length > 0 ? eb.or(any) : sql<boolean>`1 = 0`;
    })
    .orderBy('issued_at', 'desc')
    .orderBy('id', 'desc')
    .limit(sql.lit(search.limit))
    .execute();
}

/** The names of a day's newest tokens (at most `limit`), newest first: the candidates of a search by name. */
export async function dayNames(db: Db, day: string, limit: number): Promise<{ id: string; patient_name: string }[]> {
  return db
    .selectFrom('tokens')
    .select(['id', 'patient_name'])
    .where('issue_day', '=', day)
    .orderBy('issued_at', 'desc')
    .orderBy('id', 'desc')
    .limit(sql.lit(limit))
    .execute();
}

/** A day's tokens of one phone that are still in a line (waiting, called, serving, parked), oldest first. */
export async function activeTokensOfPhone(db: Db, phoneE164: string, day: string): Promise<TokenRow[]> {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('phone_index', '=', cipherOf(db).blindIndex('phone', phoneE164))
    .where('issue_day', '=', day)
    .where('status', 'in', [...ACTIVE_STATUSES])
    .orderBy('issued_at')
    .execute();
}

/**
 * Gives the token a new status key (its hash) if nobody changed it since it was read, and records
 * that in its history; false when another request changed it first.
 */
export async function replaceStatusKey(db: Db, token: TokenRow, statusKeyHash: string, history: HistoryRow): Promise<boolean> {
  const result = await db
    .updateTable('tokens')
    .set({ status_key_hash: statusKeyHash, version: token.version + 1 })
    .where('id', '=', token.id)
    .where('version', '=', token.version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  // The table's type names the transitions only; its column holds any history action (varchar).
  await db.insertInto('token_transitions').values({ ...history, action: history.action as TokenAction }).execute();
  return true;
}
