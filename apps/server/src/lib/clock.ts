export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar day (YYYY-MM-DD) in the clinic's time zone: token numbers restart each day. */
export function localDay(epochMs: number, timeZone: string): string {
  let format = dayFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, format);
  }
  return format.format(epochMs);
}

export const iso = (epochMs: number): string => new Date(epochMs).toISOString();
export const isoOrUndefined = (epochMs: number | null): string | undefined => (epochMs === null ? undefined : iso(epochMs));
