import type { Config } from '../../config.js';
import { createDatabase, type Database } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { systemClock } from '../../lib/clock.js';
import { SYSTEM_AUDIT_ACTOR } from '../audit/audit.js';
import { createAuditTrail } from '../audit/audit.service.js';
import { backupKeyOf, restoreKeyOf } from './backup-key.js';
import { BackupRefusedError } from './backup-file.js';
import { restoreBackup, takeBackup } from './backups.service.js';

type Print = (line: string) => void;

const MEGABYTE = 1024 * 1024;

async function withAudit<T>(database: Database, config: Config, warn: Print, work: (audit: ReturnType<typeof createAuditTrail>) => Promise<T>): Promise<T> {
  const audit = createAuditTrail({ database, clock: systemClock, key: config.audit.key, onError: (error) => warn(`Warning: audit trail: ${error instanceof Error ? error.message : String(error)}`) });
  const result = await work(audit);
  // The event joins the chain now; a running server copies it to the audit files with the rest.
  await audit.settle();
  return result;
}

/** `backup`: an online backup of the configured database; prints the encrypted file's path. */
export async function backupCommand(config: Config, out: Print, err: Print): Promise<number> {
  const database = createDatabase(config.database);
  try {
    await migrateToLatest(database.db);
    const key = await backupKeyOf(config, database);
    const result = await withAudit(database, config, err, (audit) =>
      takeBackup({ database, dir: config.backups.dir, workDir: config.dataDir, key, auditKey: config.audit.key, clock: systemClock, audit }),
    );
    const { manifest } = result;
    out(result.path);
    err(`Backed up ${manifest.tokens} tokens and ${manifest.audit.entries} audit entries (${(manifest.size / MEGABYTE).toFixed(1)} MB, encrypted); manifest ${result.manifestPath}`);
    if (result.auditProblem) err(`Warning: the audit trail in this backup is not whole (${result.auditProblem}); restore will refuse it. Run "audit verify".`);
    return 0;
  } finally {
    await database.close();
  }
}

/** `restore <path>`: checks the backup, then replaces the configured database with it. */
export async function restoreCommand(config: Config, path: string | undefined, out: Print, err: Print): Promise<number> {
  if (!path) throw new BackupRefusedError('restore needs the path of a backup: npm run cli -- restore <file.backup>');
  const key = await restoreKeyOf(config);
  const result = await restoreBackup({ target: config.database, workDir: config.dataDir, key, auditKey: config.audit.key }, path);
  const database = createDatabase(config.database);
  try {
    // A backup from an older version is brought up to date here, as a server's start would.
    await migrateToLatest(database.db);
    await withAudit(database, config, err, async (audit) =>
      audit.note({
        type: 'system.restore',
        action: 'restore',
        actor: SYSTEM_AUDIT_ACTOR,
        subject: { kind: 'backup', label: result.manifest.file.slice(0, 100) },
        // auditEntries: the chain the backup held (seq 1–n); entries after it, and checkpoints of them, were discarded.
        details: { createdAt: result.manifest.createdAt, sha256: result.manifest.sha256, tokens: result.tokens, auditEntries: result.auditEntries },
      }),
    );
  } finally {
    await database.close();
  }
  out(`Restored ${result.manifest.file} (taken ${result.manifest.createdAt}): ${result.tokens} tokens; the audit trail's ${result.auditEntries} entries verified. Start the servers again.`);
  return 0;
}
