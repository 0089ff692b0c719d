import type { BareResult } from './baselines.js';
import type { Latency, LoadResult } from './load.js';
import type { Memory } from './processes.js';
import type { CallNextResult, DepthResult, Settings, StatusResult, TokensResult } from './scenarios.js';

export type Verdict = 'PASS' | 'MISS' | 'INVALID' | '—';

export interface Figure {
  id: string;
  name: string;
  measured: string;
  baseline: string;
  target: string;
  verdict: Verdict;
}

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  commit: string;
  uncommittedServerFiles: number;
  loadBefore: number[];
  loadAfter: number[];
}

export interface Results {
  machine: Machine;
  settings: Settings;
  /** Measured just before and just after scenario 1; the baseline is their mean. */
  raw: { txPerSecond: number; runs: number[]; seconds: number };
  /** Durable single-row commits per second in a short probe just before scenarios 2, 3 and 4. */
  diskProbes: Record<string, number>;
  /** Measured just before (POST and GET) and just after (POST) scenario 3; the POST baseline is the mean. */
  bare: BareResult;
  bareAfter: BareResult;
  tokens: TokensResult;
  callNext: CallNextResult;
  status: StatusResult;
  depth: DepthResult;
  memories: { server: string; memory: Memory }[];
  totalSeconds: number;
}

export const TARGETS = {
  tokensVsRaw: 1.0,
  tokensP99Ms: 25,
  callNextP99Ms: 20,
  statusVsBare: 0.4,
  depthRatio: 1.5,
  rssMb: 250,
} as const;

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
const pct = (n: number) => `${(n * 100).toFixed(0)}%`;
const verdict = (pass: boolean, valid = true): Verdict => (!valid ? 'INVALID' : pass ? 'PASS' : 'MISS');
const bad = (r: LoadResult) => r.notOk + r.errors + r.timeouts;

/** The bare Fastify POST rate scenario 3 is held against: the mean of the runs before and after it. */
export const barePostRps = (r: Results): number => (r.bare.post.rps + r.bareAfter.post.rps) / 2;

export function figures(r: Results): Figure[] {
  const { raw, bare, tokens, callNext, status, depth } = r;
  const bareRps = barePostRps(r);
  const t = tokens.run;
  const c = callNext.run;
  const s = status.run;
  const meanRatio = depth.deep.call.mean / depth.shallow.call.mean;
  const p99Ratio = depth.deep.call.p99 / depth.shallow.call.p99;
  const maxRss = Math.max(...r.memories.map((m) => m.memory.rssMb));
  const heaviest = r.memories.find((m) => m.memory.rssMb === maxRss)?.server ?? '';
  const callValid = callNext.empty === 0 && callNext.duplicates === 0 && bad(c) === 0;
  return [
    { id: 'B1', name: 'raw better-sqlite3 durable insert, 1 row per BEGIN/COMMIT (WAL, FULL)', measured: `${int(raw.txPerSecond)} tx/s (${raw.runs.map(int).join(' before, ')} after scenario 1)`, baseline: '—', target: '—', verdict: '—' },
    {
      id: 'B2',
      name: `bare Fastify POST, ${r.settings.connections} conn`,
      measured: `${int(bareRps)} req/s (${int(bare.post.rps)} before, ${int(r.bareAfter.post.rps)} after scenario 3), p99 ${ms(bare.post.latency.p99)}`,
      baseline: '—',
      target: '—',
      verdict: '—',
    },
    ...(bare.get ? [{ id: 'B3', name: `bare Fastify GET, ${r.settings.connections} conn`, measured: `${int(bare.get.rps)} req/s, p99 ${ms(bare.get.latency.p99)}`, baseline: '—', target: '—', verdict: '—' as const }] : []),
    {
      id: '1a',
      name: `POST /tokens req/s (SQLite, ${r.settings.connections} conn, unique Idempotency-Key)`,
      measured: `${int(t.rps)} req/s (${(t.rps / raw.txPerSecond).toFixed(2)}×)`,
      baseline: `raw ${int(raw.txPerSecond)} tx/s`,
      target: `≥ ${TARGETS.tokensVsRaw.toFixed(1)}× raw`,
      verdict: verdict(t.rps >= TARGETS.tokensVsRaw * raw.txPerSecond, bad(t) === 0),
    },
    {
      id: '1b',
      name: 'POST /tokens p99 latency',
      measured: ms(t.latency.p99),
      baseline: `bare POST p99 ${ms(bare.post.latency.p99)}`,
      target: `< ${TARGETS.tokensP99Ms} ms`,
      verdict: verdict(t.latency.p99 < TARGETS.tokensP99Ms, bad(t) === 0),
    },
    {
      id: '2',
      name: `POST /counters/:id/call-next p99 (${r.settings.connections} conn over 8 counters)`,
      measured: `${ms(c.latency.p99)} (${int(c.rps)} req/s)`,
      baseline: `bare POST p99 ${ms(bare.post.latency.p99)}`,
      target: `< ${TARGETS.callNextP99Ms} ms`,
      verdict: verdict(c.latency.p99 < TARGETS.callNextP99Ms, callValid),
    },
    {
      id: '3',
      name: 'POST /public/status req/s (right number + last 4)',
      measured: `${int(s.rps)} req/s (${pct(s.rps / bareRps)} of bare)`,
      baseline: `bare POST ${int(bareRps)} req/s`,
      target: `≥ ${pct(TARGETS.statusVsBare)} of bare`,
      verdict: verdict(s.rps >= TARGETS.statusVsBare * bareRps, bad(s) === 0),
    },
    {
      id: '4a',
      name: `call-next mean latency, depth ${int(depth.deep.depth)} vs ${int(depth.shallow.depth)} (${r.settings.depthConnections} conn)`,
      measured: `${ms(depth.deep.call.mean)} vs ${ms(depth.shallow.call.mean)} = ${meanRatio.toFixed(2)}×`,
      baseline: `depth ${int(depth.shallow.depth)}`,
      target: `≤ ${TARGETS.depthRatio}×`,
      verdict: verdict(meanRatio <= TARGETS.depthRatio, bad(depth.deep.run) + bad(depth.shallow.run) === 0),
    },
    {
      id: '4b',
      name: `call-next p99 latency, depth ${int(depth.deep.depth)} vs ${int(depth.shallow.depth)}`,
      measured: `${ms(depth.deep.call.p99)} vs ${ms(depth.shallow.call.p99)} = ${p99Ratio.toFixed(2)}×`,
      baseline: `depth ${int(depth.shallow.depth)}`,
      target: `≤ ${TARGETS.depthRatio}×`,
      verdict: verdict(p99Ratio <= TARGETS.depthRatio, bad(depth.deep.run) + bad(depth.shallow.run) === 0),
    },
    {
      id: '5',
      name: 'server RSS after its scenarios (largest of all servers)',
      measured: `${maxRss.toFixed(0)} MB (${heaviest})`,
      baseline: `bare Fastify ${bare.memory.rssMb.toFixed(0)} MB`,
      target: `< ${TARGETS.rssMb} MB`,
      verdict: verdict(maxRss < TARGETS.rssMb),
    },
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

export function figureTable(list: Figure[]): string {
  return table([['#', 'figure', 'measured', 'baseline', 'target', 'verdict'], ...list.map((f) => [f.id, f.name, f.measured, f.baseline, f.target, f.verdict])]);
}

/** Server CPU time per successful response: what one request costs the server's single thread. */
export function serverCpuMs(r: LoadResult): number | undefined {
  return r.cpu.server === undefined || r.rps === 0 ? undefined : (r.cpu.server * 1000) / r.rps;
}

function cpuPerRequest(r: LoadResult): string {
  const v = serverCpuMs(r);
  return v === undefined ? '—' : `${v.toFixed(3)} ms`;
}

function latencyCells(l: Latency): string[] {
  return [int(l.count), ms(l.mean), ms(l.p50), ms(l.p90), ms(l.p99), ms(l.max)];
}

function runRow(name: string, r: LoadResult, l: Latency = r.latency): string[] {
  const failures = bad(r) === 0 ? '0' : `${r.notOk} non-2xx ${JSON.stringify(r.statuses)}, ${r.errors} errors, ${r.timeouts} timeouts`;
  const cpu = `${r.cpu.server === undefined ? '—' : r.cpu.server.toFixed(2)} / ${r.cpu.client.toFixed(2)}`;
  return [name, r.elapsedS.toFixed(1), int(r.rps), ...latencyCells(l), failures, cpu, cpuPerRequest(r), String(r.autocannon.p99)];
}

export function detailTable(r: Results): string {
  const { bare, tokens, callNext, status, depth } = r;
  return table([
    ['run', 's', '2xx/s', 'n', 'mean', 'p50', 'p90', 'p99', 'max', 'failures', 'CPU server/client', 'server CPU per 2xx', 'autocannon p99'],
    runRow('bare Fastify POST (before 3)', bare.post),
    ...(bare.get ? [runRow('bare Fastify GET', bare.get)] : []),
    runRow('bare Fastify POST (after 3)', r.bareAfter.post),
    runRow('1 POST /tokens', tokens.run),
    runRow('2 pre-fill: POST /tokens, no key', callNext.prefillRun),
    runRow('2 call-next, 8 counters', callNext.run),
    runRow('3 POST /public/status', status.run),
    runRow(`4 call-next @ ${int(depth.shallow.depth)}`, depth.shallow.run, depth.shallow.call),
    runRow(`4 (issue between calls @ ${int(depth.shallow.depth)})`, depth.shallow.run, depth.shallow.issue),
    runRow(`4 call-next @ ${int(depth.deep.depth)}`, depth.deep.run, depth.deep.call),
    runRow(`4 (issue between calls @ ${int(depth.deep.depth)})`, depth.deep.run, depth.deep.issue),
  ]);
}

export function memoryTable(r: Results): string {
  return table([
    ['server', 'VmRSS after', 'VmHWM (peak)'],
    ['bare Fastify', `${r.bare.memory.rssMb.toFixed(0)} MB`, `${r.bare.memory.peakMb.toFixed(0)} MB`],
    ...r.memories.map((m) => [m.server, `${m.memory.rssMb.toFixed(0)} MB`, `${m.memory.peakMb.toFixed(0)} MB`]),
  ]);
}
