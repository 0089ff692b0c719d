import type { TokenStatus } from '@smart-token/contracts';
import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import { isUniqueViolation, type Database, type Dialect } from '../../db/database.js';
import { columns, insertList, prepared, type Params } from '../../db/prepared.js';
import type { DB, TokensTable, TokenTransitionsTable } from '../../db/schema.js';
import * as liveRepo from '../live/live.repository.js';
import type { PendingEvent } from '../live/live-events.js';
import { LANE, LANES_HIGH_TO_LOW as LANES, type OrderRules, agedBefore } from './call-order.js';

export type TokenRow = Selectable<TokensTable>;
export type TransitionRow = Selectable<TokenTransitionsTable>;

type Db = Kysely<DB>;

// The statements of issue and call-next are prepared (db/prepared.ts): built and compiled once.

const nextSequenceQuery = prepared((db, p: Params<'departmentId' | 'day'>) =>
  db
    .insertInto('daily_sequences')
    .values({ department_id: p.departmentId, day: p.day, last_value: 1 })
    .onConflict((oc) => oc.columns(['department_id', 'day']).doUpdateSet({ last_value: sql`daily_sequences.last_value + 1` }))
    .returning('last_value'),
);

export async function nextSequence(db: Db, departmentId: string, day: string): Promise<number> {
  // One row per department and day, bumped in the issuing transaction: gap-free and never repeated.
  const { rows } = await nextSequenceQuery(db, { departmentId, day });
  return rows[0]!.last_value;
}

const TOKEN_COLUMNS = [
  'id', 'number', 'issue_day', 'issued_department_id', 'seq', 'status', 'department_id', 'priority', 'lane', 'queued_at',
  'park_remaining', 'counter_id', 'recall_count', 'patient_name', 'phone_e164', 'phone_last4', 'language', 'notify_channel',
  'status_key_hash', 'issued_at', 'called_at', 'started_at', 'completed_at', 'updated_at', 'version',
] as const satisfies readonly (keyof TokensTable)[];

const insertTokenQuery = prepared((db, p: Params<(typeof TOKEN_COLUMNS)[number]>) => db.insertInto('tokens').values(columns(p, TOKEN_COLUMNS)));

export async function insertToken(db: Db, token: TokenRow): Promise<void> {
  await insertTokenQuery(db, token);
}

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

/** Applies a change only if nobody changed the token since it was read; false means "lost the race". */
type TokenColumn = keyof TokensTable;
/** One prepared update per set of changed columns (each kind of transition changes its own few). */
const updatesByColumns = new Map<string, ReturnType<typeof prepareUpdate>>();

function prepareUpdate(changed: TokenColumn[]) {
  return prepared((db, p: Params<TokenColumn | 'expectedVersion'>) =>
    db
      .updateTable('tokens')
      .set(columns(p, changed))
      .where('id', '=', p.id)
      .where('version', '=', p.expectedVersion),
  );
}

export async function updateTokenAtVersion(db: Db, id: string, version: number, changes: Updateable<TokensTable>): Promise<boolean> {
  const values: Partial<Record<TokenColumn | 'expectedVersion', unknown>> = { ...changes, version: version + 1, id, expectedVersion: version };
  const changed: TokenColumn[] = (Object.keys(changes) as TokenColumn[]).filter((c) => c !== 'id' && c !== 'version').sort();
  changed.push('version');
  const signature = changed.join(',');
  let update = updatesByColumns.get(signature);
  if (!update) updatesByColumns.set(signature, (update = prepareUpdate(changed)));
  const result = await update(db, values as Record<TokenColumn | 'expectedVersion', unknown>);
  return Number(result.numAffectedRows) === 1;
}

const TRANSITION_COLUMNS = [
  'id', 'token_id', 'version', 'action', 'at', 'actor_id', 'actor_label', 'from_status', 'to_status', 'from_department_id',
  'department_id', 'counter_id', 'reason', 'before_state',
] as const satisfies readonly (keyof TokenTransitionsTable)[];

const insertTransitionQuery = prepared((db, p: Params<(typeof TRANSITION_COLUMNS)[number]>) => db.insertInto('token_transitions').values(columns(p, TRANSITION_COLUMNS)));

export async function insertTransition(db: Db, transition: Selectable<TokenTransitionsTable>): Promise<void> {
  await insertTransitionQuery(db, transition);
}

export async function lastTransition(db: Db, tokenId: string): Promise<TransitionRow | undefined> {
  return db.selectFrom('token_transitions').selectAll().where('token_id', '=', tokenId).orderBy('version', 'desc').limit(sql.lit(1)).executeTakeFirst();
}

export async function listTransitions(db: Db, tokenId: string): Promise<TransitionRow[]> {
  return db.selectFrom('token_transitions').selectAll().where('token_id', '=', tokenId).orderBy('version', 'asc').execute();
}

/**
 * Serialises call-next per department on PostgreSQL; SQLite's single writer already does. NO KEY
 * UPDATE: issues in the department (whose foreign keys take KEY SHARE on this row) need not wait.
 */
export async function lockDepartment(db: Db, dialect: Dialect, departmentId: string): Promise<void> {
  if (dialect === 'postgres') {
    await sql`select id from departments where id = ${departmentId} for no key update`.execute(db);
  }
}

const waitingInLane = (db: Db, departmentId: string, lane: number) =>
  db
    .selectFrom('tokens')
    .where('department_id', '=', departmentId)
    .where('status', '=', 'waiting')
    .where('lane', '=', lane);

/**
 * The first waiting token of every lane in one statement (call-next's candidates): an index seek
 * per lane, however long the line.
 */
const laneHeadsQuery = prepared((db, p: Params<'departmentId'>) => {
  const head = (lane: number) =>
    db
      .selectFrom('tokens')
      .selectAll()
      .where('department_id', '=', p.departmentId)
      .where('status', '=', 'waiting')
      .where('lane', '=', sql.lit(lane))
      .orderBy('queued_at')
      .orderBy('id')
      .limit(sql.lit(1));
  const [first, ...rest] = LANES.map((lane) => db.selectFrom(head(lane).as(`lane${lane}`)).selectAll());
  return rest.reduce((union, next) => union.unionAll(next), first!);
});

export async function laneHeads(db: Db, departmentId: string): Promise<TokenRow[]> {
  return (await laneHeadsQuery(db, { departmentId })).rows;
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

const adjustLaneCountQuery = prepared((db, p: Params<'departmentId' | 'lane' | 'delta'>) =>
  db
    .insertInto('queue_lane_counts')
    .values({ department_id: p.departmentId, lane: p.lane, waiting: p.delta })
    .onConflict((oc) => oc.columns(['department_id', 'lane']).doUpdateSet({ waiting: (eb) => eb('queue_lane_counts.waiting', '+', eb.ref('excluded.waiting')) })),
);

export async function adjustLaneCount(db: Db, departmentId: string, lane: number, delta: number): Promise<void> {
  await adjustLaneCountQuery(db, { departmentId, lane, delta });
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
  db.selectFrom('tokens').select('id').where('department_id', '=', p.departmentId).where('status', '=', 'parked').limit(sql.lit(1)),
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

/*
 * Issue in few round trips. On PostgreSQL the two contended counters (the day's number and the
 * department's event seq) are bumped in one statement, and the token, its lane count, history row
 * and outbox event are written in a second: the department's rows stay locked for two statements
 * and the commit instead of a dozen. SQLite runs the same steps as separate in-process statements.
 */

const bumpIssueCountersPg = prepared((_db, p: Params<'departmentId' | 'day'>) =>
  sql<{ seq: number; event_seq: number }>`
    with s as (
      insert into daily_sequences (department_id, day, last_value) values (${p.departmentId}, ${p.day}, 1)
      on conflict (department_id, day) do update set last_value = daily_sequences.last_value + 1
      returning last_value
    ), e as (
      insert into department_event_seqs (department_id, last_seq) values (${p.departmentId}, 1)
      on conflict (department_id) do update set last_seq = department_event_seqs.last_seq + 1
      returning last_seq
    )
    select s.last_value as seq, e.last_seq as event_seq from s, e`,
);

/** The new token's number in its department's day, and the seq of the event that announces it. */
export async function bumpIssueCounters(db: Db, dialect: Dialect, departmentId: string, day: string): Promise<{ seq: number; eventSeq: number }> {
  if (dialect === 'postgres') {
    const row = (await bumpIssueCountersPg(db, { departmentId, day })).rows[0]!;
    return { seq: row.seq, eventSeq: row.event_seq };
  }
  return { seq: await nextSequence(db, departmentId, day), eventSeq: await liveRepo.nextEventSeq(db, departmentId) };
}

type Prefixed<P extends string, C extends string> = `${P}${C}`;
type IssuedParams =
  | Prefixed<'t_', (typeof TOKEN_COLUMNS)[number]>
  | Prefixed<'h_', (typeof TRANSITION_COLUMNS)[number]>
  | Prefixed<'e_', (typeof liveRepo.EVENT_COLUMNS)[number]>;

const writeIssuedPg = prepared((_db, p: Params<IssuedParams>) =>
  sql`
    with t as (insert into tokens ${insertList(p, TOKEN_COLUMNS, 't_')}),
    l as (
      insert into queue_lane_counts (department_id, lane, waiting) values (${p.t_department_id}, ${p.t_lane}, 1)
      on conflict (department_id, lane) do update set waiting = queue_lane_counts.waiting + 1
    ),
    h as (insert into token_transitions ${insertList(p, TRANSITION_COLUMNS, 'h_')}),
    e as (insert into live_events ${insertList(p, liveRepo.EVENT_COLUMNS, 'e_')})
    select 1 as written`,
);

function prefixed(prefix: string, row: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[`${prefix}${key}`] = value;
  return out;
}

/** Writes a new token with its lane count, its history's first row and its outbox event. */
export async function writeIssued(db: Db, dialect: Dialect, token: TokenRow, transition: TransitionRow, event: PendingEvent): Promise<void> {
  if (dialect === 'postgres') {
    await writeIssuedPg(db, { ...prefixed('t_', token), ...prefixed('h_', transition), ...prefixed('e_', liveRepo.eventRow(event)) } as Record<IssuedParams, unknown>);
    return;
  }
  await insertToken(db, token);
  await adjustLaneCount(db, token.department_id, token.lane, +1);
  await insertTransition(db, transition);
  await liveRepo.insertEvent(db, event);
}

/** One lane count moving with a token into (+1) or out of (-1) the waiting line. */
export interface LaneMove {
  departmentId: string;
  lane: number;
  delta: number;
}

/** Everything a transition writes after its event seqs are taken: the token, lane counts, history, events. */
export interface TransitionWrite {
  tokenId: string;
  /** The version the change was decided on; the write happens only if the token is still at it. */
  version: number;
  changes: Updateable<TokensTable>;
  laneMoves: LaneMove[];
  history: TransitionRow;
  events: PendingEvent[];
}

/** PostgreSQL: the whole write in one statement, one prepared statement per shape of transition. */
const transitionWritesPg = new Map<string, ReturnType<typeof prepareTransitionWritePg>>();

function prepareTransitionWritePg(changed: TokenColumn[], lanes: number, events: number) {
  return prepared((_db, p: Params<string>) => {
    const param = p;
    const parts = [
      sql`u as (update tokens set ${sql.join(changed.map((c) => sql`${sql.ref(c)} = ${param[`u_${c}`]}`))} where id = ${param.id} and version = ${param.expectedVersion} returning id)`,
      sql`h as (insert into token_transitions ${insertList(p, TRANSITION_COLUMNS, 'h_')})`,
    ];
    for (let i = 0; i < lanes; i++) {
      parts.push(sql`${sql.raw(`l${i}`)} as (
        insert into queue_lane_counts (department_id, lane, waiting) values (${param[`l${i}_department_id`]}, ${param[`l${i}_lane`]}, ${param[`l${i}_delta`]})
        on conflict (department_id, lane) do update set waiting = queue_lane_counts.waiting + excluded.waiting)`);
    }
    for (let i = 0; i < events; i++) parts.push(sql`${sql.raw(`e${i}`)} as (insert into live_events ${insertList(p, liveRepo.EVENT_COLUMNS, `e${i}_`)})`);
    return sql<{ updated: number }>`with ${sql.join(parts)} select count(*)::int as updated from u`;
  });
}

/**
 * Writes a decided transition; false when another request changed the token first (the caller's
 * whole transaction is then retried). PostgreSQL writes it in one statement: the history row's
 * unique (token, version) refuses a lost race even before the update's count is read.
 */
export async function writeTransition(db: Db, dialect: Dialect, w: TransitionWrite): Promise<boolean> {
  const changed: TokenColumn[] = (Object.keys(w.changes) as TokenColumn[]).filter((c) => c !== 'id' && c !== 'version').sort();
  changed.push('version');
  if (dialect === 'postgres') {
    const signature = `${changed.join(',')}|${w.laneMoves.length}|${w.events.length}`;
    let write = transitionWritesPg.get(signature);
    if (!write) transitionWritesPg.set(signature, (write = prepareTransitionWritePg(changed, w.laneMoves.length, w.events.length)));
    const values: Record<string, unknown> = { id: w.tokenId, expectedVersion: w.version, ...prefixed('u_', { ...w.changes, version: w.version + 1 }), ...prefixed('h_', w.history) };
    w.laneMoves.forEach((move, i) => Object.assign(values, { [`l${i}_department_id`]: move.departmentId, [`l${i}_lane`]: move.lane, [`l${i}_delta`]: move.delta }));
    w.events.forEach((event, i) => Object.assign(values, prefixed(`e${i}_`, liveRepo.eventRow(event))));
    try {
      return (await write(db, values)).rows[0]!.updated === 1;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
  if (!(await updateTokenAtVersion(db, w.tokenId, w.version, w.changes))) return false;
  for (const move of w.laneMoves) await adjustLaneCount(db, move.departmentId, move.lane, move.delta);
  await insertTransition(db, w.history);
  for (const event of w.events) await liveRepo.insertEvent(db, event);
  return true;
}
