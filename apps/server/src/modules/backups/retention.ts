import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { localDay } from '../../lib/clock.js';
import { manifestPathOf } from './backup-file.js';
import { BACKUP_NAME } from './backups.service.js';

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface DatedBackup {
  name: string;
  at: number;
}

const DAY_MS = 24 * 60 * 60_000;

/** The Monday (YYYY-MM-DD) of a local day's week: weeks run Monday to Sunday, as ISO weeks do. */
function mondayOf(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Grandfather-father-son, as restic's `forget --keep-daily/--keep-weekly/--keep-monthly` counts:
 * from the newest backup back, the newest of each of the `daily` most recent days that have a
 * backup, of each of the `weekly` most recent weeks, and of each of the `monthly` most recent
 * months (days, weeks and months in the clinic's time zone). A backup kept for any reason stays.
 * Counting days that have a backup (not calendar days) means a server that was off for a while
 * does not see its last backups expire on their own.
 */
export function backupsToKeep(backups: readonly DatedBackup[], keep: RetentionPolicy, timeZone: string): Set<string> {
  const newestFirst = [...backups].sort((a, b) => b.at - a.at || b.name.localeCompare(a.name));
  const buckets: [number, (day: string) => string][] = [
    [keep.daily, (day) => day],
    [keep.weekly, mondayOf],
    [keep.monthly, (day) => day.slice(0, 7)],
  ];
  const kept = new Set<string>();
  for (const [count, bucketOf] of buckets) {
    let last: string | undefined;
    let left = count;
    for (const backup of newestFirst) {
      if (left === 0) break;
      const bucket = bucketOf(localDay(backup.at, timeZone));
      if (bucket === last) continue;
      kept.add(backup.name);
      last = bucket;
      left -= 1;
    }
  }
  return kept;
}

/** The backups in `dir` (by their names, which carry the time they were taken). */
export async function listBackups(dir: string): Promise<DatedBackup[]> {
  const names = await readdir(dir).catch((error: { code?: string }) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names.flatMap((name) => {
    const match = BACKUP_NAME.exec(name);
    if (!match) return [];
    const at = Date.parse(match[2]!.replace(/T(\d{2})-(\d{2})-(\d{2})/, 'T$1:$2:$3'));
    return Number.isNaN(at) ? [] : [{ name, at }];
  });
}

/** Deletes every backup (and its manifest) the policy does not keep; returns the names deleted. */
export async function applyRetention(dir: string, keep: RetentionPolicy, timeZone: string): Promise<string[]> {
  const backups = await listBackups(dir);
  const kept = backupsToKeep(backups, keep, timeZone);
  const deleted: string[] = [];
  for (const { name } of backups) {
    if (kept.has(name)) continue;
    // The manifest goes first: a backup without one is never offered for restore.
    await rm(manifestPathOf(join(dir, name)), { force: true });
    await rm(join(dir, name), { force: true });
    deleted.push(name);
  }
  return deleted;
}
