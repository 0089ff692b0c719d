import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, TokensTable, TokenTransitionsTable } from '../../db/schema.js';

type Db = Kysely<DB>;
export type HistoryRow = Selectable<TokenTransitionsTable>;
export type CounterTokenRow = Selectable<TokensTable>;

/**
 * Every transition since `since` of the tokens this counter touched lately (its last `scan`
 * transitions, an index range on (counter_id, at)), newest first. A transition that takes a token
 * away from the counter (park, send on, transfer) names no counter itself, so the tokens are found
 * through the counter's own rows and all their transitions are read.
 */
export async function recentTransitionsOfCounterTokens(db: Db, counterId: string, since: number, scan: number): Promise<HistoryRow[]> {
  const touched = db
    .selectFrom('token_transitions')
    .select('token_id')
    .where('counter_id', '=', counterId)
    .where('at', '>=', since)
    .orderBy('at', 'desc')
    .limit(sql.lit(scan));
  return db
    .selectFrom('token_transitions')
    .selectAll()
    .where('token_id', 'in', touched)
    .where('at', '>=', since)
    .orderBy('at', 'desc')
    .orderBy('version', 'desc')
    .execute();
}

export async function tokensWithIds(db: Db, ids: string[]): Promise<CounterTokenRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('tokens').selectAll().where('id', 'in', ids).execute();
}
