import type { Config } from '../../config.js';
import type { Database } from '../../db/database.js';
import type { AuditTrail } from '../audit/audit.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import { openKeyring } from './keyring.js';
import { reencrypt, rotateDataKeys } from './rotation.js';

/** `npm run cli -- keys rotate`: rotates the data key while the servers run; prints its progress. */
export async function keysRotateCommand(deps: {
  database: Database;
  config: Config;
  invalidation: Pick<CacheInvalidationBus, 'publish'>;
  audit: Pick<AuditTrail, 'record'>;
  out: (line: string) => void;
}): Promise<number> {
  const { database, config, out } = deps;
  const keyring = await openKeyring({
    database,
    masterKey: config.masterKey,
    secretsFile: config.secretsFile,
    production: config.production,
    onError: (error) => process.stderr.write(`Warning: reading data_keys again failed: ${error instanceof Error ? error.message : String(error)}\n`),
  });
  try {
    // Plaintext left from before encryption, should no server have started since the upgrade.
    const encrypted = await reencrypt(database, keyring, { mode: 'plaintext' });
    if (encrypted > 0) out(`Encrypted ${encrypted} rows left in plaintext from before encryption.`);
    await rotateDataKeys({ database, keyring, audit: deps.audit, say: out, announce: (id) => deps.invalidation.publish({ kind: 'keys', id }) });
    return 0;
  } finally {
    keyring.close();
  }
}
