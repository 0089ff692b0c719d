import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JoinCodeRotation } from '@smart-token/contracts';

/** A code of the period before is still taken this long after it changed (someone scanned it a moment ago). */
export const JOIN_CODE_GRACE_MS = 10 * 60_000;
const JOIN_CODE_LENGTH = 10;
/** Crockford's base32: no I, L, O or U to misread on a poster. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MINUTE_MS = 60_000;
/** Far past any day's end (a day with a clock change is 25 hours long). */
const LONGEST_PERIOD_MS = 26 * 60 * MINUTE_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The period `at` falls in, by the clinic's local calendar: `2026-11-28` (daily) or `2026-11-28 14h` (hourly). */
export function periodOf(at: number, rotation: JoinCodeRotation, timeZone: string): string {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(at).map((p) => [p.type, p.value]));
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  return rotation === 'daily' ? day : `${day} ${parts.hour}h`;
}

/** The first minute of the next period: periods change on whole minutes in every zone. */
function periodEnd(at: number, rotation: JoinCodeRotation, timeZone: string): number {
  const current = periodOf(at, rotation, timeZone);
  let low = Math.floor(at / MINUTE_MS);
  let high = Math.floor((at + LONGEST_PERIOD_MS) / MINUTE_MS);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (periodOf(middle * MINUTE_MS, rotation, timeZone) === current) low = middle;
    else high = middle;
  }
  return high * MINUTE_MS;
}

/** The first minute of the period `at` falls in. */
function periodStart(at: number, rotation: JoinCodeRotation, timeZone: string): number {
  const current = periodOf(at, rotation, timeZone);
  let low = Math.floor((at - LONGEST_PERIOD_MS) / MINUTE_MS);
  let high = Math.floor(at / MINUTE_MS);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (periodOf(middle * MINUTE_MS, rotation, timeZone) === current) high = middle;
    else low = middle;
  }
  return high * MINUTE_MS;
}

function codeFor(secret: Uint8Array, departmentId: string, period: string): string {
  const mac = createHmac('sha256', secret).update(`join-code:${departmentId}:${period}`).digest();
  let code = '';
  for (let i = 0; i < JOIN_CODE_LENGTH; i++) code += ALPHABET[mac[i]! % ALPHABET.length];
  return code;
}

/**
 * A department's phone join code: derived (HMAC with the server's secret) from the department and
 * the current period, so every instance computes the same code and nothing is stored; it changes
 * at the clinic's local midnight (or each hour).
 */
export function currentJoinCode(secret: Uint8Array, departmentId: string, rotation: JoinCodeRotation, timeZone: string, now: number): { joinCode: string; validUntil: number } {
  return { joinCode: codeFor(secret, departmentId, periodOf(now, rotation, timeZone)), validUntil: periodEnd(now, rotation, timeZone) };
}

const sameCode = (a: string, b: string): boolean => {
  const x = Buffer.from(a.toUpperCase());
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The current period's code, or the previous period's within the grace after the change. */
export function joinCodeAccepted(secret: Uint8Array, departmentId: string, rotation: JoinCodeRotation, timeZone: string, now: number, presented: string): boolean {
  if (sameCode(presented, codeFor(secret, departmentId, periodOf(now, rotation, timeZone)))) return true;
  const start = periodStart(now, rotation, timeZone);
  if (now - start > JOIN_CODE_GRACE_MS) return false;
  return sameCode(presented, codeFor(secret, departmentId, periodOf(start - MINUTE_MS, rotation, timeZone)));
}

/** A department's join codes, as the front desk prints them and the check-in checks them. */
export function createJoinCodes(deps: {
  secret: Uint8Array;
  timeZone: string;
  publicUrl: string;
  /** JOIN_CODE_ROTATION: for departments that do not choose. */
  defaultRotation: JoinCodeRotation;
  clock: { now(): number };
  department: (id: string) => Promise<{ id: string; name: string; self_check_in: string; join_code_rotation: JoinCodeRotation | null } | undefined>;
}) {
  const { secret, timeZone, publicUrl, defaultRotation, clock } = deps;
  return {
    /** The code to print now, the phone join page it opens (the code rides in the fragment: never sent to a server's log) and until when it holds. */
    async current(departmentId: string): Promise<{ joinCode: string; url: string; validUntil: string; rotation: JoinCodeRotation } | undefined> {
      const dept = await deps.department(departmentId);
      if (!dept) return undefined;
      const rotation = dept.join_code_rotation ?? defaultRotation;
      const { joinCode, validUntil } = currentJoinCode(secret, dept.id, rotation, timeZone, clock.now());
      return { joinCode, url: `${publicUrl}/join/${encodeURIComponent(dept.id)}#${joinCode}`, validUntil: new Date(validUntil).toISOString(), rotation };
    },
    accepts(dept: { id: string; join_code_rotation: JoinCodeRotation | null }, presented: string): boolean {
      return joinCodeAccepted(secret, dept.id, dept.join_code_rotation ?? defaultRotation, timeZone, clock.now(), presented);
    },
  };
}

export type JoinCodes = ReturnType<typeof createJoinCodes>;
