import { hostname } from 'node:os';
import type { Config } from '../../config.js';
import type { Database } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import type { AuditTrail } from '../audit/audit.js';
import type { BackupKey } from './backup-file.js';
import { takeBackup } from './backups.service.js';
import { applyRetention } from './retention.js';
import { createBackupScheduler, type BackupScheduler } from './scheduler.js';

const INSTANCE_NAME_MAX = 64;

/** The server's daily backup (BACKUP_SCHEDULE=daily), or none when it is off. Start it once the app is ready. */
export function createScheduledBackups(deps: {
  config: Pick<Config, 'backups' | 'timeZone' | 'audit' | 'dataDir'>;
  database: Database;
  clock: Clock;
  key: BackupKey;
  audit: AuditTrail;
  log: { info: (message: string) => void; warn: (message: string) => void };
  onError: (error: unknown, context: string) => void;
}): BackupScheduler | undefined {
  const { config, database, clock, key, audit, log } = deps;
  if (config.backups.schedule === 'off') return undefined;
  return createBackupScheduler({
    database,
    clock,
    timeZone: config.timeZone,
    instance: `${hostname()}/${process.pid}`.slice(0, INSTANCE_NAME_MAX),
    backup: async (signal) => {
      const result = await takeBackup({ database, dir: config.backups.dir, workDir: config.dataDir, key, auditKey: config.audit.key, clock, audit }, { signal });
      if (result.auditProblem) log.warn(`backup ${result.manifest.file}: the audit trail in it is not whole (${result.auditProblem}); restore will refuse it`);
      return result;
    },
    retention: () => applyRetention(config.backups.dir, config.backups.keep, config.timeZone),
    onRun: (run) =>
      log.info(`backup of ${run.day} written: ${run.backup.path}${run.deleted.length > 0 ? `; retention deleted ${run.deleted.length} older backup(s)` : ''}`),
    onError: deps.onError,
  });
}
