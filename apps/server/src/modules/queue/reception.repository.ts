import { ACTIVE_STATUSES, type HistoryAction, type TokenAction } from '@smart-token/contracts';
import { sql, type Kysely } from 'kysely';
import type { DB, TokenTransitionsTable } from '../../db/schema.js';
import type { TokenRow } from './queue.repository.js';

type Db = Kysely<DB>;

/** A history row of any action, reprint included. */
export type HistoryRow = Omit<TokenTransitionsTable, 'action'> & { action: HistoryAction };

/** What one search asks for among a day's tokens; each part present widens the match (OR). */
export interface TokenSearch {
  day: string;
  /** An exact token number (`GEN-004`). */
  number?: string;
  /** Numbers starting with these letters (`GEN` finds GEN-…). */
  numberPrefix?: string;
  /** The sequence part of a number in any department (`4` finds GEN-004 and LAB-004). */
  seq?: number;
  phoneE164?: string;
  phoneLast4?: string;
  /** Part of the patient's name, already lower-cased. */
  nameContains?: string;
  limit: number;
}

/** LIKE's own characters in a person's text match themselves, not "anything". */
const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A day's tokens matching any part of the search, newest first. */
export async function searchDay(db: Db, search: TokenSearch): Promise<TokenRow[]> {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('issue_day', '=', search.day)
    .where((eb) => {
      const any = [];
      if (search.number !== undefined) any.push(eb('number', '=', search.number));
      if (search.numberPrefix !== undefined) any.push(eb('number', 'like', sql<string>`${`${escapeLike(search.numberPrefix)}-%`} escape '\\'`));
      if (search.seq !== undefined) any.push(eb('seq', '=', search.seq));
      if (search.phoneE164 !== undefined) any.push(eb('phone_e164', '=', search.phoneE164));
      if (search.phoneLast4 !== undefined) any.push(eb('phone_last4', '=', search.phoneLast4));
      if (search.nameContains !== undefined) {
        any.push(eb(eb.fn('lower', ['patient_name']), 'like', sql<string>`${`%${escapeLike(search.nameContains)}%`} escape '\\'`));
      }
      return any.length > 0 ? eb.or(any) : sql<boolean>`1 = 0`;
    })
    .orderBy('issued_at', 'desc')
    .orderBy('id', 'desc')
    .limit(sql.lit(search.limit))
    .execute();
}

/** A day's tokens of one phone that are still in a line (waiting, called, serving, parked), oldest first. */
export async function activeTokensOfPhone(db: Db, phoneE164: string, day: string): Promise<TokenRow[]> {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('phone_e164', '=', phoneE164)
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
