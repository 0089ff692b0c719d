/**
 * Fills a department's line straight into the SQLite file (with the server stopped), writing the
 * rows `issue` in apps/server/src/modules/queue/queue.service.ts writes: a tokens row, its 'issue'
 * row in token_transitions, and the department's daily_sequences bumped to the last number.
 * Ids, secrets, lanes, numbers and phones come from the server's own built helpers; the result is
 * checked column by column against a token the server issued itself over HTTP.
 */
import SQLite from 'better-sqlite3';
import { newId, newSecret, sha256 } from '../../apps/server/dist/lib/ids.js';
import { lastFour, toE164 } from '../../apps/server/dist/lib/phone.js';
import { laneFor } from '../../apps/server/dist/modules/queue/call-order.js';
import { formatNumber } from '../../apps/server/dist/modules/queue/queue.service.js';
import { patients } from './api.js';

type Row = Record<string, string | number | null>;

const DEFAULT_PHONE_REGION = 'IN';
const ROWS_PER_COMMIT = 10_000;

function insertStatement(db: SQLite.Database, table: string, row: Row): SQLite.Statement {
  const columns = Object.keys(row);
  return db.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`);
}

/** SQLite storage classes of every column of one row, e.g. { seq: 'integer', called_at: 'null' }. */
function storageClasses(db: SQLite.Database, table: string, idColumn: string, id: string): Record<string, string> {
  const columns = (db.prepare(`select name from pragma_table_info('${table}')`).all() as { name: string }[]).map((c) => c.name);
  const select = columns.map((c) => `typeof(${c}) as ${c}`).join(', ');
  return db.prepare(`select ${select} from ${table} where ${idColumn} = ?`).get(id) as Record<string, string>;
}

export interface PrefillResult {
  written: number;
  lastSeq: number;
  seconds: number;
}

/**
 * Appends `count` waiting tokens after `templateTokenId` (a token the server issued over HTTP in the
 * same department today), in the server's row shape. Throws if any column's storage differs.
 */
export function prefillWaiting(dbFile: string, templateTokenId: string, departmentCode: string, count: number): PrefillResult {
  const started = process.hrtime.bigint();
  const db = new SQLite(dbFile);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const template = db.prepare('select * from tokens where id = ?').get(templateTokenId) as Row | undefined;
    if (!template) throw new Error(`template token ${templateTokenId} not found`);
    const templateIssue = db.prepare(`select * from token_transitions where token_id = ? and action = 'issue'`).get(templateTokenId) as Row;
    const departmentId = String(template.department_id);
    const day = String(template.issue_day);
    const sequence = db.prepare('select last_value from daily_sequences where department_id = ? and day = ?').get(departmentId, day) as { last_value: number };

    const people = patients(1_000, 50_000);
    let insertToken: SQLite.Statement | undefined;
    let insertTransition: SQLite.Statement | undefined;
    let seq = sequence.last_value;
    let firstWritten: string | undefined;
    const writeBatch = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) {
        seq += 1;
        const now = Date.now();
        const patient = people[seq % people.length]!;
        const phone = toE164(patient.phone, DEFAULT_PHONE_REGION, 'patient.phone');
        const priority = 'normal';
        // Field for field the object `issue` builds (queue.service.ts), in the same order.
        const token: Row = {
          id: newId(),
          number: formatNumber(departmentCode, seq),
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
          token_id: token.id!,
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
        firstWritten ??= String(token.id);
      }
      db.prepare('update daily_sequences set last_value = ? where department_id = ? and day = ?').run(seq, departmentId, day);
    });
    for (let left = count; left > 0; left -= ROWS_PER_COMMIT) writeBatch(Math.min(left, ROWS_PER_COMMIT));

    // The proof that the rows are the server's shape: same storage class in every column, and the
    // sequence row agrees with the numbers written.
    const want = storageClasses(db, 'tokens', 'id', templateTokenId);
    const got = storageClasses(db, 'tokens', 'id', firstWritten!);
    const wantT = storageClasses(db, 'token_transitions', 'token_id', templateTokenId);
    const gotT = storageClasses(db, 'token_transitions', 'token_id', firstWritten!);
    for (const [w, g, table] of [[want, got, 'tokens'], [wantT, gotT, 'token_transitions']] as const) {
      for (const column of Object.keys(w)) {
        if (w[column] !== g[column]) throw new Error(`prefill ${table}.${column}: server wrote ${w[column]}, prefill wrote ${g[column]}`);
      }
    }
    const check = db
      .prepare(`select count(*) as n, max(seq) as maxSeq from tokens where issued_department_id = ? and issue_day = ?`)
      .get(departmentId, day) as { n: number; maxSeq: number };
    const stored = db.prepare('select last_value from daily_sequences where department_id = ? and day = ?').get(departmentId, day) as { last_value: number };
    if (stored.last_value !== check.maxSeq || check.n !== check.maxSeq) {
      throw new Error(`prefill sequence mismatch: last_value ${stored.last_value}, max seq ${check.maxSeq}, rows ${check.n}`);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { written: count, lastSeq: seq, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    db.close();
  }
}
