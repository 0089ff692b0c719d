import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupFileName } from './backups.service.js';
import { applyRetention, backupsToKeep, type DatedBackup } from './retention.js';

const ZONE = 'Asia/Kolkata';
const DAY_MS = 24 * 60 * 60_000;
/** 02:00 in Kolkata on the given day: the local day and the UTC day agree. */
const at = (day: string) => Date.parse(`${day}T02:00:00+05:30`);
const dated = (day: string, hour = '02:00'): DatedBackup => {
  const time = Date.parse(`${day}T${hour}:00+05:30`);
  return { name: backupFileName('sqlite', time), at: time };
};
const dayOf = (name: string) => new Date(Date.parse(name.slice('smart-token-sqlite-'.length, -'.backup'.length).replace(/T(\d{2})-(\d{2})-(\d{2})/, 'T$1:$2:$3')) + 5.5 * 60 * 60_000).toISOString().slice(0, 10);

describe('backup retention (7 daily, 4 weekly, 12 monthly)', () => {
  const keep = { daily: 7, weekly: 4, monthly: 12 };

  it('a year and a half of daily backups keeps the last 7 days, the last of the 4 latest weeks and of the 12 latest months', () => {
    const backups: DatedBackup[] = [];
    // 2025-06-01 … 2026-12-05 (a Saturday), one backup a day.
    for (let t = at('2025-06-01'); t <= at('2026-12-05'); t += DAY_MS) backups.push({ name: backupFileName('sqlite', t), at: t });
    const kept = [...backupsToKeep(backups, keep, ZONE)].map(dayOf).sort();
    expect(kept).toEqual([
      // monthly: the newest of each of 12 months (December's is 2026-12-05, November's 2026-11-30, both also dailies)
      '2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30',
      '2026-07-31', '2026-08-31', '2026-09-30', '2026-10-31',
      // weekly: the newest of each of 4 weeks, Monday to Sunday (2026-12-05 and 2026-11-29 are also dailies)
      '2026-11-15', '2026-11-22',
      // daily: the last 7 days
      '2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05',
    ]);
  });

  it('several backups on one day: only the newest of them counts for that day', () => {
    const backups = [dated('2026-12-05', '01:00'), dated('2026-12-05', '13:00'), dated('2026-12-05', '23:30'), dated('2026-12-04')];
    const kept = backupsToKeep(backups, { daily: 2, weekly: 0, monthly: 0 }, ZONE);
    expect(kept).toEqual(new Set([backups[2]!.name, backups[3]!.name]));
  });

  it('days without a backup (the server was off) do not use up the daily count', () => {
    const backups = ['2026-12-05', '2026-11-20', '2026-11-10', '2026-11-01'].map((d) => dated(d));
    const kept = backupsToKeep(backups, { daily: 3, weekly: 0, monthly: 0 }, ZONE);
    expect(kept).toEqual(new Set(backups.slice(0, 3).map((b) => b.name)));
  });

  it('deletes every backup it does not keep, with its manifest, and leaves other files alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smart-token-retention-'));
    try {
      const days = ['2026-12-05', '2026-12-04', '2026-12-03', '2026-11-20'];
      for (const day of days) {
        const { name } = dated(day);
        writeFileSync(join(dir, name), 'x');
        writeFileSync(join(dir, name.replace(/\.backup$/, '.manifest.json')), '{}');
      }
      writeFileSync(join(dir, 'notes.txt'), 'not a backup');
      const deleted = await applyRetention(dir, { daily: 2, weekly: 0, monthly: 0 }, ZONE);
      expect(deleted.map(dayOf).sort()).toEqual(['2026-11-20', '2026-12-03']);
      expect(readdirSync(dir).sort()).toEqual(
        ['notes.txt', ...['2026-12-05', '2026-12-04'].flatMap((d) => [dated(d).name, dated(d).name.replace(/\.backup$/, '.manifest.json')])].sort(),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
