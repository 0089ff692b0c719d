import type { Database } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { SYSTEM_AUDIT_ACTOR, type AuditTrail } from '../audit/audit.js';
import * as repo from './retention.repository.js';

const DAY_MS = 24 * 60 * 60_000;
/** Visits erased per transaction: a year's backlog is worked off without holding the writer for long. */
const BATCH = 500;

/**
 * Data minimisation (HIPAA's minimum necessary; GDPR's storage limitation): a finished visit keeps
 * the patient's name and phone for PATIENT_DATA_RETENTION_DAYS, then they are erased. The token's
 * number, department and times stay, so the clinic's statistics do not change. Each batch is
 * recorded in the audit trail in the same transaction, naming the tokens erased.
 */
export function createPatientDataRetention(deps: { database: Database; clock: Clock; days: number; audit: AuditTrail }) {
  const { database, clock, days, audit } = deps;
  return {
    /** Erases every finished visit past the period; returns how many. Nothing when the period is 0 (keep). */
    async eraseDue(): Promise<number> {
      if (days === 0) return 0;
      const before = clock.now() - days * DAY_MS;
      let erased = 0;
      for (;;) {
        const count = await database.transact(async (trx) => {
          const due = await repo.visitsDueForErasure(trx, before, BATCH);
          const changed = await repo.eraseIdentifiers(trx, due.map((v) => v.id));
          if (changed > 0) {
            await audit.record(trx, {
              type: 'patient.data.erased',
              action: 'retention',
              actor: SYSTEM_AUDIT_ACTOR,
              details: { records: due.map((v) => v.id), count: changed, retentionDays: days, finishedBefore: new Date(before).toISOString() },
            });
          }
          return changed;
        });
        erased += count;
        if (count < BATCH) return erased;
      }
    },
  };
}

export type PatientDataRetention = ReturnType<typeof createPatientDataRetention>;
