import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { EntryRow } from './audit.repository.js';
import type { Checkpoint } from './checkpoints.js';

const FILE_MODE = 0o600;
const DAY_MS = 24 * 60 * 60_000;
const DAILY_FILE = /^(audit|checkpoints)-(\d{4}-\d{2}-\d{2})\.jsonl(\.gz)?$/;

const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

interface FilesState {
  /** The last trail entry written to the files. */
  lastSeq: number;
  /** The latest restore the files have followed (its entry's seq). */
  lastRestoreSeq?: number;
  lastCheckpointSeq: number;
  lastCheckpointAt: number;
}

/** An entry as one JSON line, its fields in the table's order, numbers as numbers (PostgreSQL's bigint may come as text). */
function lineOf(e: EntryRow): string {
  return JSON.stringify({
    seq: Number(e.seq),
    id: e.id,
    at: Number(e.at),
    type: e.type,
    actor_kind: e.actor_kind,
    actor_id: e.actor_id,
    actor_label: e.actor_label,
    subject_kind: e.subject_kind,
    subject_id: e.subject_id,
    subject_label: e.subject_label,
    action: e.action,
    outcome: e.outcome,
    ip: e.ip,
    request_id: e.request_id,
    details: e.details,
    prev_mac: e.prev_mac,
    mac: e.mac,
    chained_at: Number(e.chained_at),
  } satisfies Record<keyof EntryRow, unknown>);
}

/**
 * The trail's copy as JSON lines under the data folder (one file per UTC day, gzipped once the day
 * is over, deleted after the retention period), and the signed checkpoints of its head, also
 * written to a second folder when one is set (another disk, an append-only mount).
 */
export function createAuditFiles(options: { dir: string; checkpointDir: string | undefined; retentionDays: number }) {
  const { dir, checkpointDir, retentionDays } = options;
  const stateFile = join(dir, 'state.json');
  const folders = checkpointDir ? [dir, checkpointDir] : [dir];
  for (const folder of folders) mkdirSync(folder, { recursive: true, mode: 0o700 });

  let state: FilesState = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as FilesState) : { lastSeq: 0, lastCheckpointSeq: 0, lastCheckpointAt: 0 };
  const save = () => writeFileSync(stateFile, JSON.stringify(state), { mode: FILE_MODE });

  return {
    get state(): Readonly<FilesState> {
      return state;
    },

    /** Appends entries (in seq order, after `state.lastSeq`) to their days' files. */
    append(entries: readonly EntryRow[]): void {
      const fresh = entries.filter((e) => Number(e.seq) > state.lastSeq);
      if (fresh.length === 0) return;
      const byDay = new Map<string, string[]>();
      for (const e of fresh) {
        const day = dayOf(Number(e.at));
        let lines = byDay.get(day);
        if (!lines) byDay.set(day, (lines = []));
        lines.push(lineOf(e));
      }
      for (const [day, lines] of byDay) appendFileSync(join(dir, `audit-${day}.jsonl`), `${lines.join('\n')}\n`, { mode: FILE_MODE });
      state = { ...state, lastSeq: Number(fresh.at(-1)!.seq) };
      save();
    },

    /**
     * A backup was restored (the `system.restore` entry at `restoreSeq`): the entries after `baseSeq`
     * the files hold are no longer in the trail. A line in today's file says so, and copying goes on
     * from `baseSeq` (the restored chain's entries after it are new entries with the same seqs).
     */
    followRestore(restoreSeq: number, baseSeq: number, now: number): void {
      if (restoreSeq <= (state.lastRestoreSeq ?? 0)) return;
      if (baseSeq < state.lastSeq) {
        const marker = { restored: { entrySeq: restoreSeq, chainKeptUpTo: baseSeq, filesHadUpTo: state.lastSeq, at: new Date(now).toISOString() } };
        appendFileSync(join(dir, `audit-${dayOf(now)}.jsonl`), `${JSON.stringify(marker)}\n`, { mode: FILE_MODE });
      }
      state = { ...state, lastSeq: Math.min(state.lastSeq, baseSeq), lastRestoreSeq: restoreSeq };
      save();
    },

    /** Writes a signed checkpoint to every checkpoint folder. */
    checkpoint(checkpoint: Checkpoint, now: number): void {
      for (const folder of folders) appendFileSync(join(folder, `checkpoints-${dayOf(now)}.jsonl`), `${JSON.stringify(checkpoint)}\n`, { mode: FILE_MODE });
      state = { ...state, lastCheckpointSeq: checkpoint.seq, lastCheckpointAt: now };
      save();
    },

    /** Gzips the files of days that are over and deletes those past the retention period. */
    maintain(now: number): void {
      const today = dayOf(now);
      const oldest = dayOf(now - retentionDays * DAY_MS);
      for (const folder of folders) {
        for (const name of readdirSync(folder)) {
          const match = DAILY_FILE.exec(name);
          if (!match) continue;
          const [, , day, gz] = match;
          const path = join(folder, name);
          if (day! < oldest) rmSync(path, { force: true });
          else if (!gz && day! < today) {
            writeFileSync(`${path}.gz`, gzipSync(readFileSync(path)), { mode: FILE_MODE });
            rmSync(path);
          }
        }
      }
    },
  };
}

export type AuditFiles = ReturnType<typeof createAuditFiles>;

/** Every checkpoint kept in these folders (plain or gzipped), for `audit verify`. */
export function readCheckpoints(folders: readonly string[]): Checkpoint[] {
  const found = new Map<string, Checkpoint>();
  for (const folder of folders) {
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder)) {
      const match = DAILY_FILE.exec(name);
      if (!match || match[1] !== 'checkpoints') continue;
      const raw = readFileSync(join(folder, name));
      const text = (match[3] ? gunzipSync(raw) : raw).toString('utf8');
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const checkpoint = JSON.parse(line) as Checkpoint;
        found.set(`${checkpoint.seq}|${checkpoint.signature}`, checkpoint);
      }
    }
  }
  return [...found.values()];
}
