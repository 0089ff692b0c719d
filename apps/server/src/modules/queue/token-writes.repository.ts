import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import { isUniqueViolation, type Dialect } from '../../db/database.js';
import { columns, insertList, prepared, type Params } from '../../db/prepared.js';
import type { DB, TokensTable, TokenTransitionsTable } from '../../db/schema.js';
import { lastFour } from '../../lib/phone.js';
import { cipherOf, tokenAad, type ValueCipher } from '../keys/encrypted-columns.js';
import * as liveRepo from '../live/live.repository.js';
import type { PendingEvent } from '../live/live-events.js';
import type { TokenRow, TransitionRow } from './queue.repository.js';
import { NUMBER_DIGITS, formatNumber } from './tokens.js';

/*
 * Every write of a token's state: the statements of issue and call-next, prepared (db/prepared.ts)
 * so they are built and compiled once; on PostgreSQL each command's writes go in few statements.
 */

type Db = Kysely<DB>;

const nextSequenceQuery = prepared((db, p: Params<'departmentId' | 'day'>) =>
  db
    .insertInto('daily_sequences')
    .values({ department_id: p.departmentId, day: p.day, last_value: 1 })
    .onConflict((oc) => oc.columns(['department_id', 'day']).doUpdateSet({ last_value: sql`daily_sequences.last_value + 1` }))
    .returning('last_value'),
);

async function nextSequence(db: Db, departmentId: string, day: string): Promise<number> {
  // One row per department and day, bumped in the issuing transaction: gap-free and never repeated.
  const { rows } = await nextSequenceQuery(db, { departmentId, day });
  return rows[0]!.last_value;
}

const TOKEN_COLUMNS = [
  'id', 'number', 'issue_day', 'issued_department_id', 'seq', 'status', 'department_id', 'priority', 'lane', 'queued_at',
  'park_remaining', 'counter_id', 'recall_count', 'patient_name', 'phone_e164', 'phone_last4', 'phone_index', 'last4_index', 'language',
  'notify_channel', 'status_key_hash', 'issued_at', 'called_at', 'started_at', 'completed_at', 'updated_at', 'version',
] as const satisfies readonly (keyof TokensTable)[];

/** The token as stored: its patient's identifiers encrypted (bound to the token's id), and the blind indexes that find it by phone. */
function storedToken(cipher: ValueCipher, token: TokenRow): Selectable<TokensTable> {
  return {
    ...token,
    patient_name: cipher.encrypt(token.patient_name, tokenAad('patient_name', token.id)),
    phone_e164: cipher.encrypt(token.phone_e164, tokenAad('phone_e164', token.id)),
    phone_last4: cipher.encrypt(token.phone_last4, tokenAad('phone_last4', token.id)),
    phone_index: cipher.blindIndex('phone', token.phone_e164),
    last4_index: cipher.blindIndex('last4', lastFour(token.phone_e164)),
  };
}

const insertTokenQuery = prepared((db, p: Params<(typeof TOKEN_COLUMNS)[number]>) => db.insertInto('tokens').values(columns(p, TOKEN_COLUMNS)));

async function insertToken(db: Db, token: TokenRow): Promise<void> {
  await insertTokenQuery(db, storedToken(cipherOf(db), token));
}

type TokenColumn = keyof TokensTable;

/** The columns a change sets, in one order (a prepared statement's key), the version always last. */
function changedColumns(changes: Updateable<TokensTable>): TokenColumn[] {
  const changed: TokenColumn[] = (Object.keys(changes) as TokenColumn[]).filter((c) => c !== 'id' && c !== 'version').sort();
  changed.push('version');
  return changed;
}

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

/** Applies a change only if nobody changed the token since it was read; false means "lost the race". */
async function updateTokenAtVersion(db: Db, id: string, version: number, changes: Updateable<TokensTable>, changed: TokenColumn[]): Promise<boolean> {
  const values: Partial<Record<TokenColumn | 'expectedVersion', unknown>> = { ...changes, version: version + 1, id, expectedVersion: version };
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

async function insertTransition(db: Db, transition: Selectable<TokenTransitionsTable>): Promise<void> {
  await insertTransitionQuery(db, transition);
}

const adjustLaneCountQuery = prepared((db, p: Params<'departmentId' | 'lane' | 'delta'>) =>
  db
    .insertInto('queue_lane_counts')
    .values({ department_id: p.departmentId, lane: p.lane, waiting: p.delta })
    .onConflict((oc) => oc.columns(['department_id', 'lane']).doUpdateSet({ waiting: (eb) => eb('queue_lane_counts.waiting', '+', eb.ref('excluded.waiting')) })),
);

async function adjustLaneCount(db: Db, departmentId: string, lane: number, delta: number): Promise<void> {
  await adjustLaneCountQuery(db, { departmentId, lane, delta });
}

/*
 * Issue. On PostgreSQL in one statement: the day's number and the department's event seq are bumped
 * (taking the department's two contended row locks), the token, its lane count and its history's
 * first row written with them, so the locks are held for that statement and what follows it in the
 * transaction, not for a chain of round trips. The outbox event follows in a second statement: its
 * payload is encrypted (bound to its seq) and carries the number, both known only once the first has
 * run. SQLite runs the same steps as separate in-process statements.
 */

/** What an issue's rows are built from: taken inside the write. */
export interface IssueNumbers {
  seq: number;
  number: string;
  eventSeq: number;
}

export interface IssueRows {
  token: TokenRow;
  history: TransitionRow;
  event: PendingEvent;
}

/** Stands for the number in the draft built before PostgreSQL takes it (the statement writes the real one). */
const NUMBER_PLACEHOLDER = '';

type Prefixed<P extends string, C extends string> = `${P}${C}`;
type IssueParams = 'code' | 'day' | Prefixed<'t_', (typeof TOKEN_COLUMNS)[number]> | Prefixed<'h_', (typeof TRANSITION_COLUMNS)[number]>;

const issuePg = prepared((_db, p: Params<IssueParams>) => {
  const param = p as Readonly<Record<string, never>>;
  const fromN = (column: 'seq' | 'number' | 'event_seq') => sql`(select ${sql.ref(column)} from n)`;
  const tokenValue = (column: (typeof TOKEN_COLUMNS)[number]) => (column === 'seq' || column === 'number' ? fromN(column) : param[`t_${column}`]);
  return sql<{ seq: number; event_seq: number }>`
    with s as (
      insert into daily_sequences (department_id, day, last_value) values (${p.t_department_id}, ${p.day}, 1)
      on conflict (department_id, day) do update set last_value = daily_sequences.last_value + 1
      returning last_value
    ), e as (
      insert into department_event_seqs (department_id, last_seq) values (${p.t_department_id}, 1)
      on conflict (department_id) do update set last_seq = department_event_seqs.last_seq + 1
      returning last_seq
    ), n as (
      select s.last_value as seq, e.last_seq as event_seq,
        ${p.code}::text || '-' || lpad(s.last_value::text, greatest(${sql.lit(NUMBER_DIGITS)}, length(s.last_value::text)), '0') as number
      from s, e
    ),
    t as (insert into tokens (${sql.join(TOKEN_COLUMNS.map((c) => sql.ref(c)))}) values (${sql.join(TOKEN_COLUMNS.map(tokenValue))})),
    l as (
      insert into queue_lane_counts (department_id, lane, waiting) values (${p.t_department_id}, ${p.t_lane}, 1)
      on conflict (department_id, lane) do update set waiting = queue_lane_counts.waiting + 1
    ),
    h as (insert into token_transitions ${insertList(p, TRANSITION_COLUMNS, 'h_')})
    select seq, event_seq from n`;
});

function prefixed(prefix: string, row: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[`${prefix}${key}`] = value;
  return out;
}

/**
 * Writes a new token: takes its number and its event's seq, builds its rows from them (`build`
 * must give the same rows for the same numbers), and writes the token, its lane count, its
 * history's first row and its outbox event. Returns the rows as written.
 */
export async function writeIssue(db: Db, dialect: Dialect, at: { departmentId: string; code: string; day: string }, build: (numbers: IssueNumbers) => IssueRows): Promise<IssueRows> {
  if (dialect === 'postgres') {
    const draft = build({ seq: 0, number: NUMBER_PLACEHOLDER, eventSeq: 0 });
    const values = { code: at.code, day: at.day, ...prefixed('t_', storedToken(cipherOf(db), draft.token)), ...prefixed('h_', draft.history) };
    const { seq, event_seq: eventSeq } = (await issuePg(db, values as Record<IssueParams, unknown>)).rows[0]!;
    const rows = build({ seq, number: formatNumber(at.code, seq), eventSeq });
    await liveRepo.insertEvent(db, rows.event);
    return rows;
  }
  const seq = await nextSequence(db, at.departmentId, at.day);
  const rows = build({ seq, number: formatNumber(at.code, seq), eventSeq: await liveRepo.nextEventSeq(db, at.departmentId) });
  await insertToken(db, rows.token);
  await adjustLaneCount(db, rows.token.department_id, rows.token.lane, +1);
  await insertTransition(db, rows.history);
  await liveRepo.insertEvent(db, rows.event);
  return rows;
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
  const changed = changedColumns(w.changes);
  if (dialect === 'postgres') {
    const signature = `${changed.join(',')}|${w.laneMoves.length}|${w.events.length}`;
    let write = transitionWritesPg.get(signature);
    if (!write) transitionWritesPg.set(signature, (write = prepareTransitionWritePg(changed, w.laneMoves.length, w.events.length)));
    const values: Record<string, unknown> = { id: w.tokenId, expectedVersion: w.version, ...prefixed('u_', { ...w.changes, version: w.version + 1 }), ...prefixed('h_', w.history) };
    w.laneMoves.forEach((move, i) => Object.assign(values, { [`l${i}_department_id`]: move.departmentId, [`l${i}_lane`]: move.lane, [`l${i}_delta`]: move.delta }));
    const cipher = cipherOf(db);
    w.events.forEach((event, i) => Object.assign(values, prefixed(`e${i}_`, liveRepo.eventRow(cipher, event))));
    try {
      return (await write(db, values)).rows[0]!.updated === 1;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
  if (!(await updateTokenAtVersion(db, w.tokenId, w.version, w.changes, changed))) return false;
  for (const move of w.laneMoves) await adjustLaneCount(db, move.departmentId, move.lane, move.delta);
  await insertTransition(db, w.history);
  for (const event of w.events) await liveRepo.insertEvent(db, event);
  return true;
}
