import type { Config } from '../../config.js';
import { createDatabase, type Database } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { openKeyring, type Keyring } from '../keys/keyring.js';
import { BackupRefusedError, type BackupKey } from './backup-file.js';

/** The keyring's derivation purpose for the key that encrypts backups. */
const BACKUP_KEY_PURPOSE = 'backup';

/** Backups are encrypted under a key derived from the master key, and name the master key by its fingerprint. */
export const backupKeyFromKeyring = (keyring: Pick<Keyring, 'fingerprint' | 'deriveKey'>): BackupKey => ({
  key: keyring.deriveKey(BACKUP_KEY_PURPOSE),
  fingerprint: keyring.fingerprint,
});

/**
 * The backup key of the live database's master key, for the command line: opening its keyring also
 * proves MASTER_KEY opens the database's keys, so a backup is never made under a key that could not
 * read what it holds.
 */
export async function backupKeyOf(config: Config, database: Database): Promise<BackupKey> {
  const keyring = await openKeyring({ database, masterKey: config.masterKey, secretsFile: config.secretsFile, production: config.production });
  keyring.close();
  return backupKeyFromKeyring(keyring);
}

/**
 * The backup key of MASTER_KEY alone, for restore: the target database may be lost or damaged,
 * so its keys are not read. The keyring derives it; it is opened over an empty in-memory database,
 * whose keys are thrown away, so the derivation stays the keyring's own.
 */
export async function restoreKeyOf(config: Config): Promise<BackupKey> {
  if (!config.masterKey) {
    throw new BackupRefusedError('MASTER_KEY is not set: set MASTER_KEY (or MASTER_KEY_FILE) to the master key the backup was made with; a backup cannot be read without it');
  }
  const scratch = createDatabase({ kind: 'sqlite', path: ':memory:' });
  try {
    await migrateToLatest(scratch.db);
    const keyring = await openKeyring({ database: scratch, masterKey: config.masterKey, secretsFile: config.secretsFile, production: true });
    keyring.close();
    return backupKeyFromKeyring(keyring);
  } finally {
    await scratch.close();
  }
}
