/**
 * Measuring one thing with and without something on a machine whose speed drifts: each side twice,
 * in mirrored order, each side's two runs summed into one (scenarios 8 and 9).
 */
import type { Latency, LoadResult } from './load.js';
import type { CallNextResult } from './scenarios.js';

/**
 * Two runs of one side as one: answers and time summed (so the rate is the pair's), CPU weighted by
 * time; the latency figures are the worse of the two, on both sides alike (8a and 8b judge the rate; 9a
 * compares the p99s of sides that each had the worse of their two runs).
 */
export function together(a: LoadResult, b: LoadResult): LoadResult {
  const elapsedS = a.elapsedS + b.elapsedS;
  const statuses = { ...a.statuses };
  for (const [status, n] of Object.entries(b.statuses)) statuses[Number(status)] = (statuses[Number(status)] ?? 0) + n;
  const worse = (x: Latency, y: Latency): Latency => ({
    count: x.count + y.count,
    mean: (x.mean * x.count + y.mean * y.count) / (x.count + y.count),
    p50: Math.max(x.p50, y.p50),
    p90: Math.max(x.p90, y.p90),
    p99: Math.max(x.p99, y.p99),
    max: Math.max(x.max, y.max),
  });
  const cores = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? undefined : (x * a.elapsedS + y * b.elapsedS) / elapsedS);
  return {
    elapsedS,
    statuses,
    ok: a.ok + b.ok,
    notOk: a.notOk + b.notOk,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    rps: (a.ok + b.ok) / elapsedS,
    latency: worse(a.latency, b.latency),
    byKind: {},
    cpu: { server: cores(a.cpu.server, b.cpu.server), client: cores(a.cpu.client, b.cpu.client) ?? 0 },
    perSecond: [...a.perSecond, ...b.perSecond],
  };
}

/**
 * Each side twice, in the order on, off, off, on: this machine's speed drifts by tens of percent
 * within a minute (other work, the shared disk), and the mirrored order puts both sides at the
 * same mean time, so a drift moves them alike instead of favouring whichever ran first.
 */
export async function mirrored<R extends { run: LoadResult }>(measure: (on: boolean, pass: number) => Promise<R>, combine: (a: R, b: R) => R): Promise<{ with: R; without: R }> {
  const on1 = await measure(true, 1);
  const off1 = await measure(false, 1);
  const off2 = await measure(false, 2);
  const on2 = await measure(true, 2);
  return { with: combine(on1, on2), without: combine(off1, off2) };
}

/** Two call-next runs of one side as one. */
export function callsTogether(a: CallNextResult, b: CallNextResult): CallNextResult {
  return { ...a, run: together(a.run, b.run), empty: a.empty + b.empty, duplicates: a.duplicates + b.duplicates, stoppedEarly: a.stoppedEarly || b.stoppedEarly };
}
