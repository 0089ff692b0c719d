import type { PatientMatch } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { iso } from '../../lib/clock.js';
import { toE164 } from '../../lib/phone.js';
import * as repo from './patients.repository.js';

const RECENT_TOKENS = 50;
const MAX_MATCHES = 5;

export function createPatientsService(deps: { database: Database; defaultPhoneRegion: string }) {
  return {
    /** Phone-first search: the names this phone came with before, most recent first, one entry per name. */
    async searchByPhone(phone: string): Promise<{ phone: string; matches: PatientMatch[] }> {
      const e164 = toE164(phone, deps.defaultPhoneRegion);
      const rows = await repo.recentTokensByPhone(deps.database.db, e164, RECENT_TOKENS);
      const byName = new Map<string, PatientMatch>();
      for (const r of rows) {
        const key = r.patient_name.toLowerCase();
        if (byName.has(key)) continue;
        byName.set(key, {
          name: r.patient_name,
          phoneLast4: r.phone_last4,
          ...(r.language !== null && { language: r.language }),
          lastVisitAt: iso(r.issued_at),
          lastNumber: r.number,
        });
      }
      return { phone: e164, matches: [...byName.values()].slice(0, MAX_MATCHES) };
    },
  };
}

export type PatientsService = ReturnType<typeof createPatientsService>;
