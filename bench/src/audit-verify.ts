/**
 * 8c. `audit verify` over a trail of 1,000,000 entries: the entries are written straight into a
 * migrated SQLite file (each chained with the server's own MAC, so the trail is whole), then the
 * server's verifier walks it, as `npm run cli -- audit verify` does.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { createDatabase } from '../../apps/server/dist/db/database.js';
import { migrateToLatest } from '../../apps/server/dist/db/migrate.js';
import { GENESIS_MAC, macOf } from '../../apps/server/dist/modules/audit/chain.js';
import { verifyAuditTrail } from '../../apps/server/dist/modules/audit/verify.js';

const KEY = Buffer.alloc(32, 9);
const BATCH = 10_000;
const ACTIONS = ['call', 'start', 'complete', 'transfer', 'recall'];

export interface VerifyResult {
  entries: number;
  /** Seconds `verifyAuditTrail` took to walk the trail. */
  seconds: number;
  ok: boolean;
}

/** Writes a whole trail of `entries` into a migrated SQLite file in `dir` (once per bench run); returns the file. */
export async function writeLargeTrail(dir: string, entries: number): Promise<string> {
  const file = join(dir, 'audit-verify.db');
  const database = createDatabase({ kind: 'sqlite', path: file });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  writeTrail(file, entries);
  return file;
}

/** Walks the trail in `file` as `npm run cli -- audit verify` does, timed. */
export async function verifyLargeTrail(file: string, entries: number): Promise<VerifyResult> {
  const database = createDatabase({ kind: 'sqlite', path: file });
  try {
    const started = process.hrtime.bigint();
    const result = await verifyAuditTrail(database.db, KEY);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { entries, seconds, ok: result.ok && result.entries === entries };
  } finally {
    await database.close();
  }
}

/** Queue transitions as the server records them: a token, a counter, a department, an actor, a request. */
function writeTrail(file: string, entries: number): void {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  // A test fixture, not patients' data: no fsync per batch, and the index pages kept in memory.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -524288');
  const insert = db.prepare(
    `insert into audit_entries (seq, id, at, type, actor_kind, actor_id, actor_label, subject_kind, subject_id, subject_label, action, outcome, ip, request_id, details, prev_mac, mac, chained_at)
     values (@seq, @id, @at, @type, @actor_kind, @actor_id, @actor_label, @subject_kind, @subject_id, @subject_label, @action, @outcome, @ip, @request_id, @details, @prev_mac, @mac, @chained_at)`,
  );
  const start = Date.parse('2026-01-01T03:00:00Z');
  let prevMac = GENESIS_MAC;
  const batch = db.transaction((from: number, to: number) => {
    for (let seq = from; seq < to; seq++) {
      const entry = {
        id: randomUUID(),
        at: start + seq * 37,
        type: 'queue.transition',
        actor_kind: 'user',
        actor_id: `user-${seq % 40}`,
        actor_label: `Dr ${seq % 40}`,
        subject_kind: 'token',
        subject_id: randomUUID(),
        subject_label: `GEN-${String(seq % 1000).padStart(3, '0')}`,
        action: ACTIONS[seq % ACTIONS.length]!,
        outcome: 'success',
        ip: '10.0.0.7',
        request_id: randomUUID(),
        details: JSON.stringify({ from: 'waiting', to: 'called', departmentId: 'dept-gen', counterId: `counter-${seq % 8}` }),
      };
      const mac = macOf(KEY, prevMac, entry);
      insert.run({ ...entry, seq, prev_mac: prevMac, mac, chained_at: entry.at });
      prevMac = mac;
    }
  });
  try {
    for (let from = 1; from <= entries; from += BATCH) batch(from, Math.min(entries + 1, from + BATCH));
  } finally {
    db.close();
  }
}
