import type { TokenStatus } from '@smart-token/contracts';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../../db/database.js';
import { prepared, type Params } from '../../db/prepared.js';
import type { DB, TokensTable, TokenTransitionsTable } from '../../db/schema.js';
import { LANE, LANES_HIGH_TO_LOW as LANES, type OrderRules, agedBefore } from './call-order.js';

/** A token as the queue works with it: its patient's identifiers in plaintext (decrypted on read, encrypted on write); the blind indexes are the writer's. */
export type TokenRow = Omit<Selectable<TokensTable>, 'phone_index' | 'last4_index'>;
export type TransitionRow = Selectable<TokenTransitionsTable>;

type Db = Kysely<DB>;

const findTokenQuery = prepared((db, p: Params<'id'>) => db.selectFrom('tokens').selectAll().where('id', '=', p.id));

export async function findToken(db: Db, id: string): Promise<TokenRow | undefined> {
  return (await findTokenQuery(db, { id })).rows[0];
}

// The patients' status lookups: prepared as well.
const findByStatusKeyQuery = prepared((db, p: Params<'hash'>) => db.selectFrom('tokens').selectAll().where('status_key_hash', '=', p.hash));

export async function findTokenByStatusKeyHash(db: Db, hash: string): Promise<TokenRow | undefined> {
  return (await findByStatusKeyQuery(db, { hash })).rows[0];
}

const findByNumberQuery = prepared((db, p: Params<'number' | 'day'>) =>
  db.selectFrom('tokens').selectAll().where('number', '=', p.number).where('issue_day', '=', p.day),
);

export async function findTokenByNumber(db: Db, number: string, day: string): Promise<TokenRow | undefined> {
  return (await findByNumberQuery(db, { number, day })).rows[0];
}

/** The token's last change of state (what undo reverses): a reprint is in the history but changes no state. */
export async function lastTransition(db: Db, tokenId: string): Promise<TransitionRow | undefined> {
  return db
    .selectFrom('token_transitions')
    .selectAll()
    .where('token_id', '=', tokenId)
    .where('action', '!=', sql.lit('reprint'))
    .orderBy('version', 'desc')
    .limit(sql.lit(1))
    .executeTakeFirst();
}

export async function listTransitions(db: Db, tokenId: string): Promise<TransitionRow[]> {
  return db.selectFrom('token_transitions').selectAll().where('token_id', '=', tokenId).orderBy('version', 'asc').execute();
}

const waitingInLane = (db: Db, departmentId: string, lane: number) =>
  db
    .selectFrom('tokens')
    .where('department_id', '=', departmentId)
    .where('status', '=', 'waiting')
    .where('lane', '=', lane);

/**
 * Call-next's candidates in one statement: the first waiting token of every lane (an index seek per
 * lane, however long the line) and, as one more arm, any one parked token of the department (so the
 * call knows whether parked tokens need their countdown without asking again).
 */
const callCandidatesQuery = prepared((db, p: Params<'departmentId'>) => {
  // Literals, not parameters: a plan made for any value (PostgreSQL's generic plan of a named
  // statement) must still see that each arm is the call-order index's exact range.
  const first = (status: 'waiting' | 'parked', lane?: number) => {
    let arm = db.selectFrom('tokens').selectAll().where('department_id', '=', p.departmentId).where('status', '=', sql.lit(status));
    if (lane !== undefined) arm = arm.where('lane', '=', sql.lit(lane)).orderBy('queued_at').orderBy('id');
    return db.selectFrom(arm.limit(sql.lit(1)).as(`${status}${lane ?? ''}`)).selectAll();
  };
  const [head, ...rest] = [...LANES.map((lane) => first('waiting', lane)), first('parked')];
  return rest.reduce((union, next) => union.unionAll(next), head);
});

export async function callCandidates(db: Db, departmentId: string): Promise<{ heads: TokenRow[]; anyParked: boolean }> {
  const rows = (await callCandidatesQuery(db, { departmentId })).rows;
  return { heads: rows.filter((r) => r.status === 'waiting'), anyParked: rows.some((r) => r.status === 'parked') };
}

/** The first `limit` waiting tokens of one lane, in arrival order: an index range, never a scan. */
export async function laneHead(db: Db, departmentId: string, lane: number, limit: number): Promise<TokenRow[]> {
  return waitingInLane(db, departmentId, lane).selectAll().orderBy('queued_at').orderBy('id').limit(sql.lit(limit)).execute();
}

/** The same head of a lane, ids and order keys only: enough to place many tokens at once. */
export async function laneOrder(db: Db, departmentId: string, lane: number, limit: number): Promise<Pick<TokenRow, 'id' | 'lane' | 'queued_at'>[]> {
  return waitingInLane(db, departmentId, lane).select(['id', 'lane', 'queued_at']).orderBy('queued_at').orderBy('id').limit(sql.lit(limit)).execute();
}

interface CountFilter {
  lane: number;
  /** Only tokens that arrived before this entry (ties broken by id): an index range, via a row value. */
  before?: { queuedAt: number; id: string };
  queuedBefore?: number;
}

export async function countWaiting(db: Db, departmentId: string, filter: CountFilter): Promise<number> {
  let query = waitingInLane(db, departmentId, filter.lane);
  const before = filter.before;
  if (before) query = query.where((eb) => eb(eb.refTuple('queued_at', 'id'), '<', eb.tuple(before.queuedAt, before.id)));
  if (filter.queuedBefore !== undefined) query = query.where('queued_at', '<', filter.queuedBefore);
  const row = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Waiting tokens per lane of a department (lanes with none are absent). */
export async function laneCounts(db: Db, departmentId: string): Promise<Map<number, number>> {
  const rows = await db.selectFrom('queue_lane_counts').select(['lane', 'waiting']).where('department_id', '=', departmentId).execute();
  return new Map(rows.map((r) => [r.lane, Number(r.waiting)]));
}

/**
 * How many waiting tokens call-next would take before this one. Whole lanes ahead come from the
 * lane counts; only the part of the token's own lane before it is counted, an index range that
 * ends at the token (so the cost follows its position, not the length of the line).
 */
export async function countAhead(db: Db, departmentId: string, entry: { id: string; lane: number; queuedAt: number }, rules: OrderRules): Promise<number> {
  const cutoff = agedBefore(rules);
  const before = { queuedAt: entry.queuedAt, id: entry.id };
  const aged = entry.lane === LANE.normal && entry.queuedAt < cutoff;
  const effective = aged ? LANE.priority : entry.lane;
  const counts = await laneCounts(db, departmentId);
  let ahead = 0;
  for (const [lane, n] of counts) if (lane > effective) ahead += n;
  if (effective === LANE.normal) {
    // Everyone aged is ahead, and so is everyone who came earlier: both lie before this token.
    return ahead + (await countWaiting(db, departmentId, { lane: LANE.normal, before }));
  }
  ahead += await countWaiting(db, departmentId, { lane: effective, before });
  if (effective === LANE.priority) {
    // Aged normal tokens join the priority lane in arrival order.
    ahead += await countWaiting(db, departmentId, { lane: LANE.normal, before, queuedBefore: cutoff });
  }
  return ahead;
}

/** The place of the newest token of a lane: whole lanes from the counts, plus aged tokens for priority. */
export async function countAheadOfNewest(db: Db, departmentId: string, lane: number, rules: OrderRules): Promise<number> {
  const counts = await laneCounts(db, departmentId);
  let ahead = 0;
  for (const [l, n] of counts) if (l >= lane) ahead += n;
  if (lane === LANE.normal) return ahead - 1;
  if (lane === LANE.priority) ahead += await countWaiting(db, departmentId, { lane: LANE.normal, queuedBefore: agedBefore(rules) });
  return ahead - 1;
}

export async function countAllWaiting(db: Db, departmentId: string): Promise<number> {
  let total = 0;
  for (const n of (await laneCounts(db, departmentId)).values()) total += n;
  return total;
}

/** The latest `limit` tokens of a department in one status (a board or console shows the recent ones). */
export async function tokensInStatus(db: Db, departmentId: string, status: TokenStatus, limit: number): Promise<TokenRow[]> {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('department_id', '=', departmentId)
    .where('status', '=', status)
    .orderBy('updated_at', 'desc')
    .limit(sql.lit(limit))
    .execute();
}

/** Every call counts down the parked tokens of its department; returns those now due back (one statement). */
export async function countDownParked(db: Db, departmentId: string): Promise<TokenRow[]> {
  const parked = await db
    .updateTable('tokens')
    .set({ park_remaining: sql`coalesce(park_remaining, 0) - 1` })
    .where('department_id', '=', departmentId)
    .where('status', '=', 'parked')
    .returningAll()
    .execute();
  return parked.filter((t) => (t.park_remaining ?? 0) <= 0);
}

export async function recentServiceDurations(db: Db, departmentId: string, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('services')
    .select('duration_ms')
    .where('department_id', '=', departmentId)
    .orderBy('completed_at', 'desc')
    .limit(sql.lit(limit))
    .execute();
  return rows.map((r) => Number(r.duration_ms));
}

export async function insertService(db: Db, row: { transition_id: string; department_id: string; counter_id: string | null; completed_at: number; duration_ms: number }): Promise<void> {
  await db.insertInto('services').values(row).execute();
}

export async function deleteService(db: Db, transitionId: string): Promise<void> {
  await db.deleteFrom('services').where('transition_id', '=', transitionId).execute();
}

export async function activeCounterCount(db: Db, departmentId: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('token_transitions')
    .where('department_id', '=', departmentId)
    .where('action', '=', 'call')
    .where('at', '>=', since)
    .where('counter_id', 'is not', null)
    .select((eb) => eb.fn.count<number>('counter_id').distinct().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function recentCalls(db: Db, departmentId: string, limit: number) {
  return db
    .selectFrom('token_transitions as t')
    .innerJoin('tokens', 'tokens.id', 't.token_id')
    .leftJoin('counters', 'counters.id', 't.counter_id')
    .select(['tokens.number', 'counters.name as counterName', 't.at'])
    .where('t.department_id', '=', departmentId)
    .where('t.action', 'in', ['call', 'recall'])
    .orderBy('t.at', 'desc')
    .limit(sql.lit(limit))
    .execute();
}

/** The tokens with these ids, in no particular order. */
export async function tokensByIds(db: Db, ids: string[]): Promise<TokenRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('tokens').selectAll().where('id', 'in', ids).execute();
}

/** Whether any token of the department is parked: most calls then skip the countdown's write. */
const anyParkedQuery = prepared((db, p: Params<'departmentId'>) =>
  db.selectFrom('tokens').select('id').where('department_id', '=', p.departmentId).where('status', '=', sql.lit('parked')).limit(sql.lit(1)),
);

export async function anyParked(db: Db, departmentId: string): Promise<boolean> {
  return (await anyParkedQuery(db, { departmentId })).rows.length > 0;
}

/** The counter's current patient: its latest call that is still called or being served. */
export async function currentTokenAt(db: Db, counterId: string): Promise<TokenRow | undefined> {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('counter_id', '=', counterId)
    .where('status', 'in', ['called', 'serving'])
    .orderBy('called_at', 'desc')
    .limit(sql.lit(1))
    .executeTakeFirst();
}

/** A department's waiting tokens (their order keys) and its last event seq, read in one snapshot (the line model's start). */
export async function readLine(database: Database, departmentId: string): Promise<{ seq: number; rows: Pick<TokenRow, 'id' | 'lane' | 'queued_at'>[] }> {
  const read = async (trx: Db) => {
    const seq = await trx.selectFrom('department_event_seqs').select('last_seq').where('department_id', '=', departmentId).executeTakeFirst();
    const rows = await trx
      .selectFrom('tokens')
      .select(['id', 'lane', 'queued_at'])
      .where('department_id', '=', departmentId)
      .where('status', '=', 'waiting')
      .execute();
    return { seq: seq?.last_seq ?? 0, rows };
  };
  // PostgreSQL: one snapshot for both reads. SQLite: the writer's own transaction, so nothing commits between them.
  if (database.dialect === 'postgres') return database.db.transaction().setIsolationLevel('repeatable read').execute(read);
  return database.transact(read);
}

