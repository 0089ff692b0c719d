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

const totalCpuSeconds = (pids: number[]): number => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/** One request of a load run; `kind` labels its latencies when a run mixes requests. */
export interface LoadRequest extends autocannon.Request {
  kind?: string;
}

/** A server to send load to; `pid` lets the run report how much CPU it used. */
export interface Target {
  url: string;
  pid?: number;
}

export interface LoadOptions {
  /** One server, or several sharing the load: the connections are split evenly between them. */
  targets: Target[];
  connections: number;
  /** Seconds; ignored when `amount` is set (the run stops after that many responses in all). */
  durationS?: number;
  amount?: number;
  /** Each connection cycles through these in order. */
  requests: LoadRequest[];
  /** Replace `[<id>]` in each request with a fresh unique id (used for Idempotency-Key headers). */
  uniqueIds?: boolean;
  /** Sees each response's status and body (for checks such as "the queue never ran dry"). */
  onResponse?: (kind: string, status: number, body: string) => void;
  /** Checked after each response; true ends the run early (e.g. before a pre-filled line runs dry). */
  stopWhen?: () => boolean;
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
  /** CPU cores used during the run by the servers (all targets with a pid, summed) and by this load generator. */
  cpu: { server: number | undefined; client: number };
  /** 2xx responses completed in each whole second of the run. */
  perSecond: number[];
}

export function summarize(samples: number[]): Latency {
  if (samples.length === 0) return { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, mean: sum / sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

interface Shared {
  samples: Record<string, number[]>;
  statuses: Record<number, number>;
  perSecond: number[];
  started: bigint;
  stopped: boolean;
  /** When the last response arrived (hrtime): a stopped run ends here, not at autocannon's next tick. */
  lastResponse: bigint;
  responses: number;
  instances: autocannon.Instance[];
}

/** One autocannon instance against one target; its responses go into `shared`. */
function runOne(options: LoadOptions, target: Target, connections: number, amount: number | undefined, shared: Shared): Promise<autocannon.Result> {
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
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections,
        ...(amount !== undefined ? { amount } : { duration: options.durationS ?? 5 }),
        requests,
        idReplacement: options.uniqueIds ?? false,
        timeout: 30,
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
        else resolve(result);
      },
    );
    shared.instances.push(instance);
    instance.on('response', (client: autocannon.Client, statusCode: number, _bytes: number, responseTime: number) => {
      shared.lastResponse = process.hrtime.bigint();
      (shared.samples[currentKind] ??= []).push(responseTime);
      shared.statuses[statusCode] = (shared.statuses[statusCode] ?? 0) + 1;
      shared.responses++;
      if (statusCode >= 200 && statusCode < 300) {
        const second = Math.floor(Number(process.hrtime.bigint() - shared.started) / 1e9);
        shared.perSecond[second] = (shared.perSecond[second] ?? 0) + 1;
      }
      if (!shared.stopped && options.stopWhen?.()) {
        // Stopping one instance stops them all: a split run ends together.
        shared.stopped = true;
        for (const i of shared.instances) i.stop();
      }
      // autocannon only notices stop() at its next once-a-second tick and keeps sending until then;
      // closing each connection as its answer arrives ends the run now (at most one more request
      // per connection may already be on its way).
      if (shared.stopped) (client as unknown as { destroy(): void }).destroy();
    });
  });
}

/**
 * Runs autocannon in this process (no workers), so each response's exact latency can be kept:
 * autocannon's histogram rounds to whole milliseconds, too coarse to compare 1–2 ms means. With
 * several targets, one autocannon instance per target runs at the same time and the results merge.
 */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const { targets, connections } = options;
  if (connections % targets.length !== 0) throw new Error(`${connections} connections do not split evenly over ${targets.length} servers`);
  const pids = targets.flatMap((t) => (t.pid === undefined ? [] : [t.pid]));
  const started = process.hrtime.bigint();
  const shared: Shared = { samples: {}, statuses: {}, perSecond: [], started, stopped: false, lastResponse: started, responses: 0, instances: [] };
  const serverCpuBefore = pids.length > 0 ? totalCpuSeconds(pids) : undefined;
  const clientCpuBefore = process.cpuUsage();
  const per = connections / targets.length;
  const amountEach = options.amount === undefined ? undefined : Math.ceil(options.amount / targets.length);
  const results = await Promise.all(targets.map((t) => runOne(options, t, per, amountEach, shared)));
  const elapsedS = Number((shared.stopped ? shared.lastResponse : process.hrtime.bigint()) - shared.started) / 1e9;
  const serverCpu = serverCpuBefore === undefined ? undefined : (totalCpuSeconds(pids) - serverCpuBefore) / elapsedS;
  const clientUsage = process.cpuUsage(clientCpuBefore);
  const all = Object.values(shared.samples).flat();
  const ok = Object.entries(shared.statuses).reduce((n, [code, count]) => (Number(code) >= 200 && Number(code) < 300 ? n + count : n), 0);
  return {
    elapsedS,
    statuses: shared.statuses,
    ok,
    notOk: all.length - ok,
    errors: results.reduce((n, r) => n + r.errors, 0),
    timeouts: results.reduce((n, r) => n + r.timeouts, 0),
    rps: ok / elapsedS,
    latency: summarize(all),
    byKind: Object.fromEntries(Object.entries(shared.samples).map(([kind, values]) => [kind, summarize(values)])),
    cpu: { server: serverCpu, client: (clientUsage.user + clientUsage.system) / 1e6 / elapsedS },
    perSecond: Array.from({ length: Math.floor(elapsedS) }, (_, i) => shared.perSecond[i] ?? 0),
  };
}

/** Requests that failed in any way: non-2xx answers, socket errors, timeouts. */
export const failures = (r: LoadResult): number => r.notOk + r.errors + r.timeouts;

/** Server CPU time per successful response: what one request costs the server's (or servers') threads. */
export function serverCpuMs(r: LoadResult): number | undefined {
  return r.cpu.server === undefined || r.rps === 0 ? undefined : (r.cpu.server * 1000) / r.rps;
}
