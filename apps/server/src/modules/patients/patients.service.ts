import type { PatientMatch, PhoneFormat, Token } from '@smart-token/contracts';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js';
import mobileExamples from 'libphonenumber-js/mobile/examples';
import type { Database } from '../../db/database.js';
import { iso } from '../../lib/clock.js';
import { toE164 } from '../../lib/phone.js';
import * as repo from './patients.repository.js';

const RECENT_TOKENS = 50;
const MAX_MATCHES = 5;

export function createPatientsService(deps: {
  database: Database;
  defaultPhoneRegion: string;
  /** Today's tokens of a phone (E.164) still in a line, from the queue. */
  activeTokensOfPhone: (phoneE164: string) => Promise<Token[]>;
}) {
  const example = getExampleNumber(deps.defaultPhoneRegion as CountryCode, mobileExamples);
  const phoneFormat: PhoneFormat = {
    region: deps.defaultPhoneRegion,
    example: example?.formatNational() ?? '',
    international: example?.formatInternational() ?? '',
  };

  return {
    /**
     * Phone-first search: the names this phone came with before, most recent first, one entry per
     * name; and the phone's tokens still in a line today, so reception can offer one instead of a second.
     */
    async searchByPhone(phone: string): Promise<{ phone: string; matches: PatientMatch[]; active: Token[] }> {
      const e164 = toE164(phone, deps.defaultPhoneRegion);
      const [rows, active] = await Promise.all([repo.recentTokensByPhone(deps.database.db, e164, RECENT_TOKENS), deps.activeTokensOfPhone(e164)]);
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
      return { phone: e164, matches: [...byName.values()].slice(0, MAX_MATCHES), active };
    },

    /** The clinic's phone region and an example number in it (forms show it beside a wrong number). */
    phoneFormat: (): PhoneFormat => phoneFormat,
  };
}

export type PatientsService = ReturnType<typeof createPatientsService>;
