import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { readCheckpoints } from '../modules/audit/audit-files.js';
import { pendingCount } from '../modules/audit/audit.repository.js';
import { checkpointSigner } from '../modules/audit/checkpoints.js';
import { verifyAuditTrail } from '../modules/audit/verify.js';

/** Exit code of `audit verify` when the trail is not whole. */
export const AUDIT_BROKEN_EXIT = 2;

/**
 * `audit verify`: walks the chain, checks the signed checkpoints kept in the data folder (and in
 * AUDIT_CHECKPOINT_DIR), and says whether the trail is whole or where it first breaks.
 */
export async function auditVerify(database: Database, config: Config, out: (line: string) => void): Promise<number> {
  const folders = [join(config.dataDir, 'audit'), ...(config.audit.checkpointDir ? [config.audit.checkpointDir] : [])];
  const checkpoints = readCheckpoints(folders);
  const result = await verifyAuditTrail(database.db, config.audit.key, { checkpoints });
  if (!result.ok) {
    out(`The audit trail is NOT whole: ${result.problem.kind} at seq ${result.problem.seq}: ${result.problem.message}.`);
    out(`${result.entries} entries before it verified.`);
    return AUDIT_BROKEN_EXIT;
  }
  out(
    result.head
      ? `The audit trail is whole: ${result.entries} entries (seq 1–${result.head.seq}), each MAC and link verified; ${result.checkpoints} signed checkpoints match it.`
      : `The audit trail is empty; ${result.checkpoints} signed checkpoints.`,
  );
  if (result.superseded > 0) out(`${result.superseded} older checkpoints describe entries a restore discarded (the restore is in the trail, with how far the backup's chain went).`);
  const pending = await pendingCount(database.db);
  if (pending.count > 0) out(`${pending.count} newer events are recorded and waiting to be chained (a running server chains them within seconds).`);
  out(`Checkpoint signing key (Ed25519, public): ${checkpointSigner(config.audit.key).publicKey}`);
  return 0;
}
