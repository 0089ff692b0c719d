import type { EstimatedWait } from '@smart-token/contracts';

/** Before a department has enough history, assume a typical outpatient consultation. */
export const DEFAULT_SERVICE_MINUTES = { median: 5, p80: 10 } as const;
export const MIN_SAMPLES = 5;
export const SAMPLE_SIZE = 50;
export const ACTIVE_COUNTER_WINDOW_MS = 30 * 60_000;

export interface ServiceStats {
  medianMinutes: number;
  p80Minutes: number;
}

function quantile(sorted: number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

/** Median and 80th percentile of recent service durations, or the default before there is history. */
export function serviceStats(durationsMs: number[]): ServiceStats {
  if (durationsMs.length < MIN_SAMPLES) {
    return { medianMinutes: DEFAULT_SERVICE_MINUTES.median, p80Minutes: DEFAULT_SERVICE_MINUTES.p80 };
  }
  const sorted = [...durationsMs].sort((a, b) => a - b);
  return { medianMinutes: quantile(sorted, 0.5) / 60_000, p80Minutes: quantile(sorted, 0.8) / 60_000 };
}

/**
 * The wait as a range: the people ahead, served in parallel by the counters at work, at the
 * median pace (low end) and at the 80th-percentile pace plus one service in progress (high end).
 */
export function estimateWait(peopleAhead: number, counters: number, stats: ServiceStats): EstimatedWait {
  const servers = Math.max(1, counters);
  const minMinutes = Math.floor((peopleAhead * stats.medianMinutes) / servers);
  const maxMinutes = Math.max(minMinutes + 1, Math.ceil(((peopleAhead + 1) * stats.p80Minutes) / servers));
  return { minMinutes, maxMinutes };
}
