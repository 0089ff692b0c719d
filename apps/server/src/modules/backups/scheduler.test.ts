import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../db/database.js';
import { DIALECTS } from '../../test/databases.js';
import { ManualClock, startTestApp, type TestApp } from '../../test/test-app.js';
import { backupKeyOf } from './backup-key.js';
import type { BackupKey } from './backup-file.js';
import * as repo from './backups.repository.js';
import { takeBackup } from './backups.service.js';
import { applyRetention } from './retention.js';
import { createBackupScheduler, type BackupScheduler } from './scheduler.js';

const HOUR_MS = 60 * 60_000;
const ZONE = 'Asia/Kolkata';

describe.each(DIALECTS)('the daily backup schedule on %s', (dialect) => {
  let t: TestApp;
  let key: BackupKey;
  /** Two instances: each its own connections to the one database. */
  const instances: Database[] = [];
  const clock = new ManualClock(Date.parse('2026-12-05T02:00:00+05:30'));
  const dir = () => join(t.db.dataDir, 'scheduled');
  const backups = () => readdirSync(dir()).filter((name) => name.endsWith('.backup'));
  let failNext = false;

  function scheduler(database: Database, instance: string): BackupScheduler {
    return createBackupScheduler({
      database,
      clock,
      timeZone: ZONE,
      instance,
      backup: async (signal) => {
        if (failNext) {
          failNext = false;
          throw new Error('the disk is full');
        }
        return takeBackup({ database, dir: dir(), workDir: t.db.dataDir, key, auditKey: t.config.audit.key, clock }, { signal });
      },
      retention: () => applyRetention(dir(), { daily: 2, weekly: 0, monthly: 0 }, ZONE),
      onError: (error) => {
        throw error;
      },
    });
  }

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
    key = await backupKeyOf(t.config, t.app.database);
    instances.push(createDatabase(t.config.database), createDatabase(t.config.database));
  });

  afterAll(async () => {
    for (const database of instances) await database.close();
    await t?.close();
  });

  it('two instances sharing one database take one backup for the day between them', async () => {
    const [a, b] = [scheduler(instances[0]!, 'host-a/1'), scheduler(instances[1]!, 'host-b/2')];
    const runs = await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    expect(runs.filter(Boolean)).toHaveLength(1);
    expect(backups()).toHaveLength(1);
    expect(await repo.runOfDay(t.app.database.db, '2026-12-05')).toMatchObject({ file: backups()[0], error: null });

    // Later the same day: nothing more.
    clock.advance(6 * HOUR_MS);
    expect(await Promise.all([a.tick(), b.tick()])).toEqual([undefined, undefined]);
    expect(backups()).toHaveLength(1);
  });

  it('a failed backup is taken over by another instance an hour later, not at once', async () => {
    clock.set(Date.parse('2026-12-06T00:10:00+05:30'));
    const [a, b] = [scheduler(instances[0]!, 'host-a/1'), scheduler(instances[1]!, 'host-b/2')];
    failNext = true;
    await expect(a.tick()).rejects.toThrow('the disk is full');
    expect(await repo.runOfDay(t.app.database.db, '2026-12-06')).toMatchObject({ instance: 'host-a/1', finished_at: null, error: 'the disk is full' });
    clock.advance(10 * 60_000);
    expect(await b.tick()).toBeUndefined();
    clock.advance(HOUR_MS);
    const run = await b.tick();
    expect(run?.day).toBe('2026-12-06');
    expect(await repo.runOfDay(t.app.database.db, '2026-12-06')).toMatchObject({ instance: 'host-b/2', error: null, file: run?.backup.manifest.file });
  });

  it('after each day’s backup, retention deletes what it does not keep (here: the newest of 2 days)', async () => {
    clock.set(Date.parse('2026-12-07T00:10:00+05:30'));
    const run = await scheduler(instances[0]!, 'host-a/1').tick();
    expect(run?.deleted).toHaveLength(1);
    expect(run?.deleted[0]).toMatch(/^smart-token-.*-2026-12-04T20-30-00\.000Z\.backup$/);
    expect(backups()).toHaveLength(2);
    expect(readdirSync(dir()).filter((name) => name.endsWith('.manifest.json'))).toHaveLength(2);
  });

  it('a stopped scheduler takes no more backups', async () => {
    clock.set(Date.parse('2026-12-08T00:10:00+05:30'));
    const stopped = scheduler(instances[0]!, 'host-a/1');
    await stopped.stop();
    expect(await stopped.tick()).toBeUndefined();
    expect(await repo.runOfDay(t.app.database.db, '2026-12-08')).toBeUndefined();
  });
});
