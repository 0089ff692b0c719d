/**
 * Puts a deep line of waiting tokens into a department for scenario 4, with the server stopped.
 *
 * Fast path: the rows `issue` (apps/server/src/modules/queue/queue.service.ts) writes, written
 * straight into the SQLite file in one transaction, built with the server's own helpers (ids,
 * secrets, numbers, lanes, phones, the token's JSON). Before it commits, the result is compared with
 * a token the server issued over HTTP: the same tables changed, the same storage class in every
 * column, the same JSON shape in the live event, and every counter (daily sequence, lane count,
 * event sequence) agreeing with the rows. Any difference rolls it back, and the line is filled by
 * the server's own issue() instead (exact by construction, but slower).
 */
import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../../apps/server/dist/config.js';
import { buildApp } from '../../apps/server/dist/app.js';
import { newId, newSecret, sha256 } from '../../apps/server/dist/lib/ids.js';
import { lastFour, toE164 } from '../../apps/server/dist/lib/phone.js';
import { laneFor } from '../../apps/server/dist/modules/queue/call-order.js';
import { formatNumber, toToken } from '../../apps/server/dist/modules/queue/queue.service.js';
import { patients } from './api.js';

type Value = string | number | null;
type Row = Record<string, Value>;

const DEFAULT_PHONE_REGION = 'IN';
/** Tables the fast path knows how to write for an issued token. */
const FAST_PATH_TABLES = new Set(['tokens', 'token_transitions', 'daily_sequences', 'queue_lane_counts', 'live_events', 'department_event_seqs']);
const SERVICE_CONCURRENCY = 256;
const PREFILL_CACHE_KIB = 256 * 1024;

export class ShapeMismatch extends Error {}

function open(dbFile: string): SQLite.Database {
  const db = new SQLite(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

const userTables = (db: SQLite.Database): string[] =>
  (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`).all() as { name: string }[]).map((t) => t.name);

/** A hash of every table's content; taken around one HTTP issue, it shows which tables an issue writes. */
export function tableDigests(dbFile: string): Map<string, string> {
  const db = open(dbFile);
  try {
    const digest = (t: string) => createHash('sha256').update(JSON.stringify(db.prepare(`select * from "${t}"`).raw().all())).digest('hex');
    return new Map(userTables(db).map((t) => [t, digest(t)]));
  } finally {
    db.close();
  }
}

export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((t) => before.get(t) !== after.get(t)).sort();
}

function insertStatement(db: SQLite.Database, table: string, row: Row): SQLite.Statement {
  const columns = Object.keys(row);
  return db.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`);
}

/** SQLite storage class of every column of one row, e.g. { seq: 'integer', called_at: 'null' }. */
function storageClasses(db: SQLite.Database, table: string, where: string, ...params: Value[]): Record<string, string> {
  const columns = (db.prepare(`select name from pragma_table_info('${table}')`).all() as { name: string }[]).map((c) => c.name);
  return db.prepare(`select ${columns.map((c) => `typeof(${c}) as ${c}`).join(', ')} from ${table} where ${where}`).get(...params) as Record<string, string>;
}

/** The key paths of a JSON value, so two payloads can be compared by shape. */
function shape(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [`${path}:${value === null ? 'null' : typeof value}`];
  if (Array.isArray(value)) return [`${path}:array`];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => shape(v, `${path}.${k}`)).sort();
}

function expectSame(what: string, want: unknown, got: unknown): void {
  if (JSON.stringify(want) !== JSON.stringify(got)) throw new ShapeMismatch(`${what}: the server wrote ${JSON.stringify(want)}, the pre-fill ${JSON.stringify(got)}`);
}

export interface PrefillResult {
  written: number;
  seconds: number;
  method: 'direct rows' | 'server issue()';
  /** Why the fast path was not used, when it was not. */
  fallbackReason?: string;
}

/** Fast path; throws ShapeMismatch (having written nothing) when the server's rows differ. */
function writeRows(dbFile: string, templateTokenId: string, footprint: string[], count: number): void {
  const unknown = footprint.filter((t) => !FAST_PATH_TABLES.has(t));
  if (unknown.length > 0) throw new ShapeMismatch(`an issue now also writes ${unknown.join(', ')}`);
  const db = open(dbFile);
  try {
    const template = db.prepare('select * from tokens where id = ?').get(templateTokenId) as Row;
    const templateIssue = db.prepare(`select * from token_transitions where token_id = ? and action = 'issue'`).get(templateTokenId) as Row;
    const departmentId = String(template.department_id);
    const day = String(template.issue_day);
    const code = String(template.number).split('-')[0]!;
    const writesEvents = footprint.includes('live_events');
    const templateEvent = writesEvents ? (db.prepare('select * from live_events where token_id = ?').get(templateTokenId) as Row) : undefined;
    const sequence = db.prepare('select last_value from daily_sequences where department_id = ? and day = ?').get(departmentId, day) as { last_value: number };
    const eventSeq = writesEvents ? (db.prepare('select last_seq from department_event_seqs where department_id = ?').get(departmentId) as { last_seq: number }).last_seq : 0;
    // Phones parsed once per patient, as the server would parse each patient's phone the same way.
    const people = patients(1_000, 50_000).map((p) => ({ name: p.name, phone: toE164(p.phone, DEFAULT_PHONE_REGION, 'patient.phone') }));
    // A big page cache for this one connection keeps 100,000 rows' index pages in memory until commit.
    db.pragma(`cache_size = -${PREFILL_CACHE_KIB}`);
    let insertToken: SQLite.Statement | undefined;
    let insertTransition: SQLite.Statement | undefined;
    let insertEvent: SQLite.Statement | undefined;
    let firstId: string | undefined;

    db.exec('begin immediate');
    try {
      let seq = sequence.last_value;
      for (let i = 1; i <= count; i++) {
        seq += 1;
        const now = Date.now();
        const patient = people[seq % people.length]!;
        const phone = patient.phone;
        const priority = 'normal';
        // Field for field the row `issue` builds, in the same order.
        const token = {
          id: newId(),
          number: formatNumber(code, seq),
          issue_day: day,
          issued_department_id: departmentId,
          seq,
          status: 'waiting',
          department_id: departmentId,
          priority,
          lane: laneFor(priority),
          queued_at: now,
          park_remaining: null,
          counter_id: null,
          recall_count: 0,
          patient_name: patient.name,
          phone_e164: phone,
          phone_last4: lastFour(phone),
          language: null,
          notify_channel: null,
          status_key_hash: sha256(newSecret()),
          issued_at: now,
          called_at: null,
          started_at: null,
          completed_at: null,
          updated_at: now,
          version: 1,
        };
        const transition: Row = {
          id: newId(),
          token_id: token.id,
          version: 1,
          action: 'issue',
          at: now,
          actor_id: templateIssue.actor_id ?? null,
          actor_label: templateIssue.actor_label ?? null,
          from_status: null,
          to_status: 'waiting',
          from_department_id: null,
          department_id: departmentId,
          counter_id: null,
          reason: null,
          before_state: null,
        };
        insertToken ??= insertStatement(db, 'tokens', token);
        insertTransition ??= insertStatement(db, 'token_transitions', transition);
        insertToken.run(token);
        insertTransition.run(transition);
        if (writesEvents) {
          const event: Row = { department_id: departmentId, seq: eventSeq + i, type: String(templateEvent!.type), token_id: token.id, payload: JSON.stringify({ token: toToken(token) }), at: now };
          insertEvent ??= insertStatement(db, 'live_events', event);
          insertEvent.run(event);
        }
        firstId ??= token.id;
      }
      db.prepare('update daily_sequences set last_value = ? where department_id = ? and day = ?').run(seq, departmentId, day);
      if (footprint.includes('queue_lane_counts')) {
        db.prepare('update queue_lane_counts set waiting = waiting + ? where department_id = ? and lane = ?').run(count, departmentId, template.lane);
      }
      if (writesEvents) db.prepare('update department_event_seqs set last_seq = ? where department_id = ?').run(eventSeq + count, departmentId);

      // The proof, before anything is committed.
      expectSame('tokens columns', storageClasses(db, 'tokens', 'id = ?', templateTokenId), storageClasses(db, 'tokens', 'id = ?', firstId!));
      expectSame('token_transitions columns', storageClasses(db, 'token_transitions', 'token_id = ?', templateTokenId), storageClasses(db, 'token_transitions', 'token_id = ?', firstId!));
      const tokensOfDay = db.prepare('select count(*) as n, max(seq) as top from tokens where issued_department_id = ? and issue_day = ?').get(departmentId, day) as { n: number; top: number };
      const lastValue = (db.prepare('select last_value from daily_sequences where department_id = ? and day = ?').get(departmentId, day) as { last_value: number }).last_value;
      expectSame('daily sequence', { n: tokensOfDay.n, top: tokensOfDay.n }, { n: lastValue, top: tokensOfDay.top });
      if (footprint.includes('queue_lane_counts')) {
        const waiting = (db.prepare(`select count(*) as n from tokens where department_id = ? and status = 'waiting' and lane = ?`).get(departmentId, template.lane) as { n: number }).n;
        const kept = (db.prepare('select waiting from queue_lane_counts where department_id = ? and lane = ?').get(departmentId, template.lane) as { waiting: number }).waiting;
        expectSame('lane count', waiting, kept);
      }
      if (writesEvents) {
        const mine = db.prepare('select * from live_events where token_id = ?').get(firstId) as Row;
        expectSame('live_events columns', storageClasses(db, 'live_events', 'token_id = ?', templateTokenId), storageClasses(db, 'live_events', 'token_id = ?', firstId!));
        expectSame('live event payload', shape(JSON.parse(String(templateEvent!.payload))), shape(JSON.parse(String(mine.payload))));
        const events = db.prepare('select count(*) as n, max(seq) as top from live_events where department_id = ?').get(departmentId) as { n: number; top: number };
        const lastSeq = (db.prepare('select last_seq from department_event_seqs where department_id = ?').get(departmentId) as { last_seq: number }).last_seq;
        expectSame('event sequence', { n: events.n, top: events.n }, { n: lastSeq, top: events.top });
      }
      db.exec('commit');
    } catch (error) {
      db.exec('rollback');
      throw error;
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Exact path: the built server's own issue(), in this process, on the stopped server's file. */
async function issueThroughService(env: Record<string, string>, departmentId: string, actor: { id: string | null; label: string }, count: number): Promise<void> {
  const app = await buildApp(loadConfig({ ...env, LOG_LEVEL: 'error' }));
  try {
    const people = patients(1_000, 50_000);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        await app.services.queue.issue(actor, { departmentId, patient: people[i % people.length]! });
      }
    };
    await Promise.all(Array.from({ length: SERVICE_CONCURRENCY }, worker));
  } finally {
    await app.close();
  }
}

/**
 * Appends `count` waiting tokens after `templateTokenId`, the last token the server issued over HTTP
 * into the department; `footprint` is the tables that issue changed.
 */
export async function prefillWaiting(options: { dbFile: string; env: Record<string, string>; templateTokenId: string; footprint: string[]; count: number }): Promise<PrefillResult> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    writeRows(options.dbFile, options.templateTokenId, options.footprint, options.count);
    return { written: options.count, seconds: seconds(), method: 'direct rows' };
  } catch (error) {
    if (!(error instanceof ShapeMismatch)) throw error;
    const db = open(options.dbFile);
    const issue = db.prepare(`select department_id, actor_id, actor_label from token_transitions where token_id = ? and action = 'issue'`).get(options.templateTokenId) as {
      department_id: string;
      actor_id: string | null;
      actor_label: string;
    };
    db.close();
    await issueThroughService(options.env, issue.department_id, { id: issue.actor_id, label: issue.actor_label }, options.count);
    return { written: options.count, seconds: seconds(), method: 'server issue()', fallbackReason: error.message };
  }
}
