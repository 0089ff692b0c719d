import type { Database } from '../../db/database.js';
import { localDay, type Clock } from '../../lib/clock.js';
import * as repo from './backups.repository.js';
import type { BackupResult } from './backups.service.js';

/** The first look a while after the start (a server restarted in a loop does not back up each time), then this often. */
const FIRST_CHECK_DELAY_MS = 5 * 60_000;
const CHECK_INTERVAL_MS = 15 * 60_000;
/** A run not finished after this long is taken to have died with its instance; another instance takes the day over. */
const LEASE_MS = 6 * 60 * 60_000;
/** A run that failed is tried again after this long (by whichever instance looks first). */
const RETRY_MS = 60 * 60_000;

export interface ScheduledRun {
  day: string;
  backup: BackupResult;
  /** Backups retention deleted after this one was taken. */
  deleted: string[];
}

export interface BackupScheduler {
  start(): void;
  /** Stops the timer and any backup under way (its partial files are removed), and waits for it. */
  stop(): Promise<void>;
  /**
   * One look: takes the local day's backup if no instance has, then applies retention. Undefined
   * when the day's backup is taken (or being taken) elsewhere, or when this instance is already at it.
   */
  tick(): Promise<ScheduledRun | undefined>;
}

/**
 * The daily backup, in the server's process: every instance looks, the database's `backup_runs`
 * lease lets one of them take the day's backup, and that one then deletes what retention does not keep.
 */
export function createBackupScheduler(deps: {
  database: Database;
  clock: Clock;
  timeZone: string;
  /** Names this instance in `backup_runs` (host and process), for an operator reading it. */
  instance: string;
  backup: (signal: AbortSignal) => Promise<BackupResult>;
  retention: () => Promise<string[]>;
  onRun?: (run: ScheduledRun) => void;
  onError: (error: unknown, context: string) => void;
}): BackupScheduler {
  const { database, clock, timeZone, instance } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ScheduledRun | undefined> | undefined;
  let stopped = false;
  const abort = new AbortController();

  async function attempt(): Promise<ScheduledRun | undefined> {
    const now = clock.now();
    const day = localDay(now, timeZone);
    if (!(await repo.claimDay(database.db, { day, instance, now, leaseMs: LEASE_MS, retryMs: RETRY_MS }))) return undefined;
    let backup: BackupResult;
    try {
      backup = await deps.backup(abort.signal);
    } catch (error) {
      await repo.failDay(database.db, { day, instance, error: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
      throw error;
    }
    await repo.finishDay(database.db, { day, instance, now: clock.now(), file: backup.manifest.file });
    // A failed clean-up leaves extra backups, never fewer: reported, and tried again after the next backup.
    const deleted = await deps.retention().catch((error: unknown) => {
      deps.onError(error, 'backup retention');
      return [];
    });
    const run = { day, backup, deleted };
    deps.onRun?.(run);
    return run;
  }

  function tick(): Promise<ScheduledRun | undefined> {
    if (running || stopped) return Promise.resolve(undefined);
    running = attempt().finally(() => (running = undefined));
    return running;
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      tick()
        // A backup cut short by stop() is not a failure worth reporting.
        .catch((error: unknown) => (stopped ? undefined : deps.onError(error, 'scheduled backup')))
        .finally(() => schedule(CHECK_INTERVAL_MS));
    }, delay);
    timer.unref();
  }

  return {
    start: () => schedule(FIRST_CHECK_DELAY_MS),
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await running?.catch(() => undefined);
    },
  };
}
