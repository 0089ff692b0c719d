export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const dayFormatters = new Map<string, Intl.DateTimeFormat>();
const MINUTE_MS = 60_000;
/** The last answer per zone, by UTC minute: every zone's offset is whole minutes, so a day never changes inside one. */
const lastDay = new Map<string, { minute: number; day: string }>();

/** The local calendar day (YYYY-MM-DD) in the clinic's time zone: token numbers restart each day. */
export function localDay(epochMs: number, timeZone: string): string {
  const minute = Math.floor(epochMs / MINUTE_MS);
  const last = lastDay.get(timeZone);
  if (last?.minute === minute) return last.day;
  let format = dayFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, format);
  }
  const day = format.format(epochMs);
  lastDay.set(timeZone, { minute, day });
  return day;
}

export const iso = (epochMs: number): string => new Date(epochMs).toISOString();
export const isoOrUndefined = (epochMs: number | null): string | undefined => (epochMs === null ? undefined : iso(epochMs));
