import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import * as repo from './audit.repository.js';
import { GENESIS_MAC, macOf } from './chain.js';
import { checkpointSignedBy, checkpointSigner, type Checkpoint } from './checkpoints.js';

export type AuditProblemKind = 'altered' | 'missing' | 'reordered' | 'checkpoint';

export type AuditVerification =
  | {
      ok: true;
      entries: number;
      head: { seq: number; mac: string } | undefined;
      checkpoints: number;
      /** Checkpoints signed before a restore, of entries the restore discarded (the restore entry says how far the backup's chain went). */
      superseded: number;
    }
  | { ok: false; entries: number; problem: { seq: number; kind: AuditProblemKind; message: string } };

/** Entries read per query while walking the trail. */
const WALK_BATCH = 5000;

const describe = (e: repo.EntryRow) => `seq ${e.seq} (${e.type} at ${new Date(Number(e.at)).toISOString()}, id ${e.id})`;

/**
 * Walks the whole trail in order and reports the first entry that was edited (its MAC does not
 * match its content), removed (a gap, or a link to an entry that is not there) or moved (a link to
 * an entry elsewhere in the trail); then checks each signed checkpoint against the trail, which
 * catches entries cut off its end. `entries` counts the entries read before any problem.
 */
export async function verifyAuditTrail(db: Kysely<DB>, key: Uint8Array, options: { checkpoints?: readonly Checkpoint[] } = {}): Promise<AuditVerification> {
  const checkpoints = [...(options.checkpoints ?? [])].sort((a, b) => a.seq - b.seq);
  const wanted = new Set(checkpoints.map((c) => c.seq));
  const macAt = new Map<number, string>();
  const restores: { at: number; baseSeq: number }[] = [];
  let expectedSeq = 1;
  let prevMac = GENESIS_MAC;
  let entries = 0;
  const fail = (seq: number, kind: AuditProblemKind, message: string): AuditVerification => ({ ok: false, entries, problem: { seq, kind, message } });

  for (let rows = await repo.entriesAfter(db, 0, WALK_BATCH); rows.length > 0; rows = await repo.entriesAfter(db, Number(rows.at(-1)!.seq), WALK_BATCH)) {
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) {
        const gap = seq - 1 === expectedSeq ? `entry seq ${expectedSeq} is missing` : `entries seq ${expectedSeq}–${seq - 1} are missing`;
        return fail(expectedSeq, 'missing', `${gap}: the trail jumps from seq ${expectedSeq - 1} to seq ${seq}`);
      }
      if (macOf(key, row.prev_mac, row) !== row.mac) return fail(seq, 'altered', `entry ${describe(row)} does not match its MAC: it was changed after it was written (or the audit key is not the one it was written with)`);
      if (row.prev_mac !== prevMac) {
        const linked = await repo.seqOfMac(db, row.prev_mac);
        if (linked !== undefined) return fail(seq, 'reordered', `entry ${describe(row)} was written after seq ${linked} but sits after seq ${seq - 1}: the trail was reordered`);
        return fail(seq, 'missing', `the entry written just before ${describe(row)} is not in the trail: it was removed`);
      }
      if (wanted.has(seq)) macAt.set(seq, row.mac);
      if (row.type === 'system.restore') restores.push({ at: Number(row.at), baseSeq: repo.restoredChainLength(row.details) });
      prevMac = row.mac;
      expectedSeq += 1;
      entries += 1;
    }
  }

  const last = entries;
  const publicKey = checkpointSigner(key).publicKey;
  let superseded = 0;
  for (const checkpoint of checkpoints) {
    if (!checkpointSignedBy(checkpoint, publicKey)) return fail(checkpoint.seq, 'checkpoint', `the checkpoint of ${checkpoint.at} (seq ${checkpoint.seq}) is not signed by this audit key: it was forged or altered`);
    // A restore (itself an entry of the keyed chain) went back to a backup: what came after it is gone on purpose.
    if (restores.some((r) => r.at >= Date.parse(checkpoint.at) && checkpoint.seq > r.baseSeq)) {
      superseded += 1;
      continue;
    }
    if (checkpoint.seq > last) {
      return fail(last + 1, 'missing', `the trail ends at seq ${last}, but a checkpoint signed at ${checkpoint.at} saw it reach seq ${checkpoint.seq}: entries were removed from its end`);
    }
    if (macAt.get(checkpoint.seq) !== checkpoint.mac) return fail(checkpoint.seq, 'altered', `entry seq ${checkpoint.seq} is not the one the checkpoint signed at ${checkpoint.at} saw`);
  }
  return { ok: true, entries, head: entries > 0 ? { seq: last, mac: prevMac } : undefined, checkpoints: checkpoints.length - superseded, superseded };
}
