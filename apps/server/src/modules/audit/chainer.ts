import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { AuditRecordsTable, DB } from '../../db/schema.js';
import * as repo from './audit.repository.js';
import { GENESIS_MAC, macOf } from './chain.js';

/** Events keyed into the trail per transaction: a backlog is worked off in short transactions. */
export const CHAIN_BATCH = 1000;

/** The token ids an event concerns: its subject when that is a token, and the records a read showed. */
function recordsOf(entry: repo.PendingRow): string[] {
  const ids = new Set<string>();
  if (entry.subject_kind === 'token' && entry.subject_id) ids.add(entry.subject_id);
  // Only reads list records: a change's details are not parsed back.
  if (entry.details?.includes('"records"')) {
    const records = (JSON.parse(entry.details) as { records?: unknown }).records;
    if (Array.isArray(records)) for (const id of records) if (typeof id === 'string') ids.add(id);
  }
  return [...ids];
}

/**
 * Keys these events into the chain after its head, in the order given: each gets the next seq and
 * its MAC over its content and the MAC before it. Call inside a transaction that holds the chain
 * (SQLite's writer lock; on PostgreSQL `lockChain`). Returns the entries it added.
 */
export async function appendToChain(trx: Kysely<DB>, key: Uint8Array, events: readonly repo.PendingRow[], now: number): Promise<repo.EntryRow[]> {
  const head = await repo.chainHead(trx);
  let seq = head?.seq ?? 0;
  let prevMac = head?.mac ?? GENESIS_MAC;
  const entries: repo.EntryRow[] = [];
  const records: Insertable<AuditRecordsTable>[] = [];
  for (const event of events) {
    const mac = macOf(key, prevMac, event);
    seq += 1;
    entries.push({ ...event, at: Number(event.at), seq, prev_mac: prevMac, mac, chained_at: now });
    for (const tokenId of recordsOf(event)) records.push({ token_id: tokenId, entry_seq: seq });
    prevMac = mac;
  }
  await repo.insertEntries(trx, entries, records);
  return entries;
}

/**
 * Moves the oldest events waiting in audit_pending into the trail, in one transaction (one chainer
 * at a time across instances). Returns the entries it added, in seq order (none: nothing was waiting).
 */
export async function chainPending(database: Database, key: Uint8Array, now: number, limit = CHAIN_BATCH): Promise<repo.EntryRow[]> {
  return database.transact(async (trx) => {
    await repo.lockChain(trx, database.dialect);
    const pending = await repo.pendingBatch(trx, limit);
    if (pending.length === 0) return [];
    const entries = await appendToChain(trx, key, pending, now);
    await repo.deletePending(trx, pending.map((event) => event.id));
    return entries;
  });
}
