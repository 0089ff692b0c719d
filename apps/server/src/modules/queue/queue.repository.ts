import type { TokenStatus } from '@smart-token/contracts';
import { sql, type Kysely, type Selectable, type Insertable, type Updateable } from 'kysely';
import type { Database, Dialect } from '../../db/database.js';
import type { DB, TokensTable, TokenTransitionsTable } from '../../db/schema.js';
import { LANE, type OrderRules, agedBefore } from './call-order.js';

export type TokenRow = Selectable<TokensTable>;
export type TransitionRow = Selectable<TokenTransitionsTable>;

type Db = Kysely<DB>;

export async function nextSequence(db: Db, departmentId: string, day: string): Promise<number> {
  // One row per department and day, bumped in the issuing transaction: gap-free and never repeated.
  const row = await db
    .insertInto('daily_sequences')
    .values({ department_id: departmentId, day, last_value: 1 })
    .onConflict((oc) => oc.columns(['department_id', 'day']).doUpdateSet({ last_value: sql`daily_sequences.last_value + 1` }))
    .returning('last_value')
    .executeTakeFirstOrThrow();
  return row.last_value;
}

export async function insertToken(db: Db, token: Insertable<TokensTable>): Promise<void> {
  await db.insertInto('tokens').values(token).execute();
}

export async function findToken(db: Db, id: string): Promise<TokenRow | undefined> {
  return db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findTokenByStatusKeyHash(db: Db, hash: string): Promise<TokenRow | undefined> {
  return db.selectFrom('tokens').selectAll().where('status_key_hash', '=', hash).executeTakeFirst();
}

export async function findTokenByNumber(db: Db, number: string, day: string): Promise<TokenRow | undefined> {
  return db.selectFrom('tokens').selectAll().where('number', '=', number).where('issue_day', '=', day).executeTakeFirst();
}

/** Applies a change only if nobody changed the token since it was read; false means "lost the race". */
export async function updateTokenAtVersion(db: Db, id: string, version: number, changes: Updateable<TokensTable>): Promise<boolean> {
  const result = await db
    .updateTable('tokens')
    .set({ ...changes, version: version + 1 })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertTransition(db: Db, transition: Insertable<TokenTransitionsTable>): Promise<void> {
  await db.insertInto('token_transitions').values(transition).execute();
}

export async function lastTransition(db: Db, tokenId: string): Promise<TransitionRow | undefined> {
  return db.selectFrom('token_transitions').selectAll().where('token_id', '=', tokenId).orderBy('version', 'desc').limit(sql.lit(1)).executeTakeFirst();
}

export async function listTransitions(db: Db, tokenId: string): Promise<TransitionRow[]> {
  return db.selectFrom('token_transitions').selectAll().where('token_id', '=', tokenId).orderBy('version', 'asc').execute();
}

/** Serialises call-next per department on PostgreSQL; SQLite's single writer already does. */
export async function lockDepartment(db: Db, dialect: Dialect, departmentId: string): Promise<void> {
  if (dialect === 'postgres') {
    await sql`select id from departments where id = ${departmentId} for update`.execute(db);
  }
}

const waitingInLane = (db: Db, departmentId: string, lane: number) =>
  db
    .selectFrom('tokens')
    .where('department_id', '=', departmentId)
    .where('status', '=', 'waiting')
    .where('lane', '=', lane);

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

export async function adjustLaneCount(db: Db, departmentId: string, lane: number, delta: number): Promise<void> {
  await db
    .insertInto('queue_lane_counts')
    .values({ department_id: departmentId, lane, waiting: delta })
    .onConflict((oc) => oc.columns(['department_id', 'lane']).doUpdateSet({ waiting: sql`queue_lane_counts.waiting + ${delta}` }))
    .execute();
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

/** Whether any token of the department is parked: most calls then skip the countdown's write. */
export async function anyParked(db: Db, departmentId: string): Promise<boolean> {
  const row = await db.selectFrom('tokens').select('id').where('department_id', '=', departmentId).where('status', '=', 'parked').limit(sql.lit(1)).executeTakeFirst();
  return row !== undefined;
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

/** A department's waiting tokens and its last event seq, read in one snapshot (the line model's start). */
export async function readLine(database: Database, departmentId: string): Promise<{ seq: number; rows: TokenRow[] }> {
  const read = async (trx: Db) => {
    const seq = await trx.selectFrom('department_event_seqs').select('last_seq').where('department_id', '=', departmentId).executeTakeFirst();
    const rows = await trx.selectFrom('tokens').selectAll().where('department_id', '=', departmentId).where('status', '=', 'waiting').execute();
    return { seq: seq?.last_seq ?? 0, rows };
  };
  // PostgreSQL: one snapshot for both reads. SQLite: the writer's own transaction, so nothing commits between them.
  if (database.dialect === 'postgres') return database.db.transaction().setIsolationLevel('repeatable read').execute(read);
  return database.transact(read);
}
