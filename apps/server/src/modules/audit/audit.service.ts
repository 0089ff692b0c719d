import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { AuditEntryInput, AuditTrail } from './audit.js';
import type { AuditFiles } from './audit-files.js';
import * as repo from './audit.repository.js';
import { appendToChain, chainPending } from './chainer.js';
import { checkpointSigner } from './checkpoints.js';

/** How soon after an event the chainer runs: entries join the trail within about this long. */
const CHAIN_DELAY_MS = 500;
/** The chainer also runs this often, for events another instance recorded and could not chain (it stopped). */
const CHAIN_INTERVAL_MS = 2000;
/** A signed checkpoint of the head at most this often, and whenever this many entries were added. */
const CHECKPOINT_INTERVAL_MS = 60_000;
const CHECKPOINT_EVERY_ENTRIES = 10_000;
const MAINTENANCE_INTERVAL_MS = 60 * 60_000;
const FILES_BATCH = 5000;
/** Longest text a column takes; longer values are cut, never refused (an audit write must not fail a change). */
const LIMITS = { actor_label: 200, subject_label: 100, action: 200, ip: 64, request_id: 64, actor_id: 64, subject_id: 64 } as const;

const cut = (value: string | undefined, max: number): string | null => (value === undefined ? null : value.slice(0, max));

/** An event as a row: the trail's columns, cut to size, details as JSON. */
function rowOf(entry: AuditEntryInput, id: string, at: number): repo.PendingRow {
  return {
    id,
    at,
    type: entry.type,
    actor_kind: entry.actor.kind,
    actor_id: cut(entry.actor.id, LIMITS.actor_id),
    actor_label: cut(entry.actor.label, LIMITS.actor_label),
    subject_kind: entry.subject?.kind ?? null,
    subject_id: cut(entry.subject?.id, LIMITS.subject_id),
    subject_label: cut(entry.subject?.label, LIMITS.subject_label),
    action: entry.action.slice(0, LIMITS.action),
    outcome: entry.outcome ?? 'success',
    ip: cut(entry.ip, LIMITS.ip),
    request_id: cut(entry.requestId, LIMITS.request_id),
    details: entry.details === undefined ? null : JSON.stringify(entry.details),
  };
}

export interface AuditTrailService extends AuditTrail {
  /** Chains everything recorded so far, copies it to the files and checkpoints the head (tests, shutdown). */
  settle(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The audit trail: events are written where they happen (in the change's transaction, or on their
 * own for reads and refusals) and keyed into the HMAC chain in order; the chained trail is copied to
 * daily JSON-lines files with signed checkpoints of its head.
 * On SQLite an event is chained where it is written: the transaction already holds the one writer
 * lock, which every process shares, so the chain's head cannot move under it. On PostgreSQL events
 * wait in audit_pending and a chainer keys them in shortly after, one chainer at a time across
 * instances: taking the chain's lock in every change's transaction would queue all of them.
 */
export function createAuditTrail(deps: { database: Database; clock: Clock; key: Uint8Array; files?: AuditFiles; onError: (error: unknown, context: string) => void }): AuditTrailService {
  const { database, clock, key, files, onError } = deps;
  const signer = checkpointSigner(key);
  const chainsInTransaction = database.dialect === 'sqlite';
  /** PostgreSQL: events noted since the last pass, written to audit_pending by the next one. */
  let notes: repo.PendingRow[] = [];
  /** SQLite: noted events on their way into the chain (each joins the next group commit). */
  const noting = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let interval: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastMaintenance = 0;

  function soon(): void {
    if (timer || !interval) return;
    timer = setTimeout(() => {
      timer = undefined;
      void run().catch((error: unknown) => onError(error, 'audit chain'));
    }, CHAIN_DELAY_MS);
    timer.unref();
  }

  /**
   * SQLite: a noted event is chained in a transaction of its own, queued at once behind the changes
   * already waiting, so the trail keeps the order things happened in (a read, then the call that
   * followed it); the group commit shares one sync among them.
   */
  function chainNote(row: repo.PendingRow): void {
    const written = database.transact((trx) => appendToChain(trx, key, [row], clock.now())).then(
      () => undefined,
      (error: unknown) => onError(error, 'audit note'),
    );
    noting.add(written);
    void written.finally(() => noting.delete(written));
  }

  async function writeNotes(): Promise<void> {
    await Promise.all(noting);
    if (notes.length === 0) return;
    const batch = notes;
    notes = [];
    await database.transact((trx) => repo.insertPendingMany(trx, batch));
  }

  /** A restored backup's chain replaces what the files copied after it: they follow it before anything is appended. */
  async function followRestore(): Promise<void> {
    if (!files) return;
    const restore = await repo.latestRestore(database.db);
    if (restore) files.followRestore(restore.seq, restore.baseSeq, clock.now());
  }

  async function copyToFiles(): Promise<void> {
    if (!files) return;
    // Again after chaining: a restore's entry chained meanwhile (here, or by another instance) is followed before it is copied.
    await followRestore();
    for (let rows = await repo.entriesAfter(database.db, files.state.lastSeq, FILES_BATCH); rows.length > 0; rows = await repo.entriesAfter(database.db, files.state.lastSeq, FILES_BATCH)) {
      files.append(rows);
    }
    const now = clock.now();
    const { lastSeq, lastCheckpointSeq, lastCheckpointAt } = files.state;
    if (lastSeq > lastCheckpointSeq && (now - lastCheckpointAt >= CHECKPOINT_INTERVAL_MS || lastSeq - lastCheckpointSeq >= CHECKPOINT_EVERY_ENTRIES || !interval)) {
      const head = await repo.entryAt(database.db, lastSeq);
      if (head) files.checkpoint(signer.sign({ seq: lastSeq, mac: head.mac }, new Date(now)), now);
    }
    if (now - lastMaintenance >= MAINTENANCE_INTERVAL_MS) {
      lastMaintenance = now;
      files.maintain(now);
    }
  }

  async function chainAll(): Promise<void> {
    await writeNotes();
    await followRestore();
    for (let added = await chainPending(database, key, clock.now()); added.length > 0; added = await chainPending(database, key, clock.now())) {
      // Events that waited in audit_pending (PostgreSQL's way). What this instance just chained goes
      // to the files as it is, when it follows what they hold (the usual case); anything else (what
      // SQLite chained in the changes' transactions, another instance's entries, a restart, a
      // restore's own entry, which the files must follow first) is read back below.
      const follows = files && Number(added[0]!.seq) === files.state.lastSeq + 1 && !added.some((e) => e.type === 'system.restore');
      if (follows) files.append(added);
    }
    await copyToFiles();
  }

  /** One pass at a time: a pass asked for while one runs starts after it. */
  function run(): Promise<void> {
    running = running.catch(() => undefined).then(chainAll);
    return running;
  }

  return {
    async record(trx: Kysely<DB>, entry: AuditEntryInput): Promise<void> {
      const row = rowOf(entry, newId(), clock.now());
      if (chainsInTransaction) await appendToChain(trx, key, [row], row.at);
      else await repo.insertPending(trx, row);
      soon();
    },
    note(entry: AuditEntryInput): void {
      const row = rowOf(entry, newId(), clock.now());
      if (chainsInTransaction) chainNote(row);
      else notes.push(row);
      soon();
    },
    settle: run,
    start() {
      interval = setInterval(() => void run().catch((error: unknown) => onError(error, 'audit chain')), CHAIN_INTERVAL_MS);
      interval.unref();
      soon();
    },
    async stop() {
      clearInterval(interval);
      clearTimeout(timer);
      interval = undefined;
      timer = undefined;
      // The last events are chained and the head checkpointed before the database closes.
      await run();
    },
  };
}
