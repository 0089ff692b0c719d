import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds a process has used so far (user + system). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ") "; utime and stime are 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** One request of a load run; `kind` labels its latencies when a run mixes requests. */
export interface LoadRequest extends autocannon.Request {
  kind?: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is set (autocannon stops after that many responses). */
  durationS?: number;
  amount?: number;
  headers?: Record<string, string>;
  /** Each connection cycles through these in order. */
  requests: LoadRequest[];
  /** Replace `[<id>]` in each request with a fresh unique id (used for Idempotency-Key headers). */
  uniqueIds?: boolean;
  /** Sees each response's status and body (for checks such as "the queue never ran dry"). */
  onResponse?: (kind: string, status: number, body: string) => void;
  /** Checked after each response; true ends the run early (e.g. before a pre-filled line runs dry). */
  stopWhen?: () => boolean;
  /** The server's process id, to report how busy it was (1.0 = one core flat out). */
  serverPid?: number;
}

export interface Latency {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  elapsedS: number;
  /** Responses by status code. */
  statuses: Record<number, number>;
  ok: number;
  notOk: number;
  errors: number;
  timeouts: number;
  /** 2xx responses per second over the whole run. */
  rps: number;
  /** Every response, from the exact per-request times autocannon measures (hrtime, ms). */
  latency: Latency;
  /** Per `kind`, for mixed runs. */
  byKind: Record<string, Latency>;
  /** CPU cores used during the run by the server (when its pid was given) and by this load generator. */
  cpu: { server: number | undefined; client: number };
  /** 2xx responses completed in each whole second of the run. */
  perSecond: number[];
  /** autocannon's own summary (its histogram keeps whole milliseconds), for reference. */
  autocannon: { p50: number; p99: number; mean: number; reqPerSecAvg: number };
}

export function summarize(samples: number[]): Latency {
  if (samples.length === 0) return { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, mean: sum / sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

/**
 * Runs autocannon in this process (no workers), so each response's exact latency can be kept:
 * autocannon's histogram rounds to whole milliseconds, too coarse to compare 1–2 ms means.
 */
export function load(options: LoadOptions): Promise<LoadResult> {
  const samples: Record<string, number[]> = {};
  const statuses: Record<number, number> = {};
  // autocannon calls a request's onResponse synchronously just before it emits 'response' for it.
  let currentKind = 'all';
  const requests = options.requests.map((r) => {
    const kind = r.kind ?? 'all';
    const { kind: _kind, ...request } = r;
    return {
      ...request,
      onResponse: (status: number, body: string) => {
        currentKind = kind;
        options.onResponse?.(kind, status, body);
      },
    } satisfies autocannon.Request;
  });

  const perSecond: number[] = [];
  let stopped = false;
  return new Promise((resolve, reject) => {
    const serverCpuBefore = options.serverPid === undefined ? undefined : cpuSeconds(options.serverPid);
    const clientCpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.durationS ?? 5 }),
        ...(options.headers && { headers: options.headers }),
        requests,
        idReplacement: options.uniqueIds ?? false,
        timeout: 30,
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
          return;
        }
        const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
        const serverCpu = options.serverPid === undefined || serverCpuBefore === undefined ? undefined : (cpuSeconds(options.serverPid) - serverCpuBefore) / elapsedS;
        const clientUsage = process.cpuUsage(clientCpuBefore);
        const clientCpu = (clientUsage.user + clientUsage.system) / 1e6 / elapsedS;
        const all = Object.values(samples).flat();
        const ok = Object.entries(statuses).reduce((n, [code, count]) => (Number(code) >= 200 && Number(code) < 300 ? n + count : n), 0);
        const byKind = Object.fromEntries(Object.entries(samples).map(([kind, values]) => [kind, summarize(values)]));
        resolve({
          elapsedS,
          statuses,
          ok,
          notOk: all.length - ok,
          errors: result.errors,
          timeouts: result.timeouts,
          rps: ok / elapsedS,
          latency: summarize(all),
          byKind,
          cpu: { server: serverCpu, client: clientCpu },
          perSecond: Array.from({ length: Math.floor(elapsedS) }, (_, i) => perSecond[i] ?? 0),
          autocannon: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average, reqPerSecAvg: result.requests.average },
        });
      },
    );
    instance.on('response', (_client: autocannon.Client, statusCode: number, _bytes: number, responseTime: number) => {
      (samples[currentKind] ??= []).push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) {
        const second = Math.floor(Number(process.hrtime.bigint() - started) / 1e9);
        perSecond[second] = (perSecond[second] ?? 0) + 1;
      }
      if (!stopped && options.stopWhen?.()) {
        stopped = true;
        instance.stop();
      }
    });
  });
}
