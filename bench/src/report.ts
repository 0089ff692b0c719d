import type { BareResult, RawResult } from './baselines.js';
import type { AgedAtDepth, DepthPair, LineAtDepth } from './depth.js';
import type { ServerRecord, Settings } from './harness.js';
import { failures, serverCpuMs, type LoadResult } from './load.js';
import type { LiveResult } from './live.js';
import type { PgResult } from './pg.js';
import type { AuditCostResult } from './audit.js';
import type { NotificationCostResult } from './notifications.js';
import type { VerifyResult } from './audit-verify.js';
import type { CallNextResult, StatusResult, TokensResult } from './scenarios.js';
import { cpuMs, int, mb, mean2, ms, ratio, spread, table, withRange, type Spread } from './stats.js';

export type Verdict = 'PASS' | 'MISS' | 'INVALID' | '—';

/** Everything one round of the bench measured (a round runs each chosen scenario once). */
export interface Round {
  index: number;
  seconds: number;
  /** 1-minute load average at the start and the end of the round. */
  load: [number, number];
  raw?: { before: RawResult; after: RawResult };
  tokens?: TokensResult;
  callNext?: CallNextResult;
  bare?: { before: BareResult; after: BareResult };
  status?: StatusResult;
  lines?: DepthPair<LineAtDepth>;
  aged?: DepthPair<AgedAtDepth>;
  pgRaw?: { before: RawResult; after: RawResult };
  pg?: { one: PgResult; two: PgResult };
  live?: { one: LiveResult; two: LiveResult };
  /** 8: the audit trail's cost (on and off in the same round) and `audit verify` over a large trail. */
  audit?: AuditCostResult;
  auditVerify?: VerifyResult;
  /** 9: call-next with every waiting patient asking for messages, and with nobody asking. */
  notify?: NotificationCostResult;
  /** Durable single-row SQLite commits per second in a short probe just before a scenario. */
  probes: Record<string, number>;
  servers: ServerRecord[];
}

export const TARGETS = {
  tokensVsRaw: 0.5,
  tokensVsRawGoal: 1.0,
  tokensCpuMs: 0.35,
  callNextP99Ms: 20,
  statusVsBare: 0.4,
  depthRatio: 1.5,
  rssMb: 250,
  liveOneP99Ms: 50,
  liveTwoP99Ms: 100,
  pgTokensVsRaw: 0.25,
  pgCallNextP99Ms: 50,
  auditKeeps: 0.8,
  /** Messages are sent off the request path: call-next's p99 with them within 20 % of without. */
  notifyP99: 1.2,
  auditVerifySeconds: 60,
} as const;

/** One round's numbers for one figure. */
interface Sample {
  measured: number;
  baseline?: number;
  ratio?: number;
  /** Server CPU per answered request, ms. */
  cpu?: number;
  /** A figure beside the measured one, e.g. the rate behind a latency. */
  also?: number;
  valid: boolean;
}

interface FigureDef {
  id: string;
  name: string;
  sample(r: Round): Sample | undefined;
  format: (n: number) => string;
  formatBaseline?: (n: number) => string;
  baselineName?: string;
  formatAlso?: (n: number) => string;
  /** What the verdict is taken on, and the bound; no judge: a baseline, no verdict. */
  judge?: { on: 'measured' | 'ratio'; op: '>=' | '<=' | '<'; bound: number };
  target: string;
}

export interface Figure {
  id: string;
  name: string;
  measured: string;
  baseline: string;
  ratio: string;
  target: string;
  verdict: Verdict;
  cpu: string;
  /** The judged value in each round, for the per-round table. */
  perRound: (number | undefined)[];
  judged: Spread | undefined;
  format: (n: number) => string;
}

const reqs = (n: number) => `${int(n)} req/s`;
const txs = (n: number) => `${int(n)} tx/s`;
const ok = (r: LoadResult) => failures(r) === 0;
const cpuOf = (r: LoadResult) => serverCpuMs(r) ?? NaN;
const rawMean = (x: { before: RawResult; after: RawResult }) => mean2(x.before.txPerSecond, x.after.txPerSecond);
const bareMean = (x: { before: BareResult; after: BareResult }) => mean2(x.before.post.rps, x.after.post.rps);

/** Two figures (mean and p99) of a depth scenario: the deep line's latency against the shallow line's. */
function depthFigures<T>(ids: [string, string], what: string, pick: (r: Round) => DepthPair<T> | undefined, run: (t: T) => LoadResult, latency: (t: T) => { mean: number; p99: number }): FigureDef[] {
  return (['mean', 'p99'] as const).map((stat, i) => ({
    id: ids[i]!,
    name: `${what}: ${stat} latency, deep vs shallow`,
    sample: (r: Round): Sample | undefined => {
      const p = pick(r);
      if (!p) return undefined;
      const deep = latency(p.deep)[stat];
      const shallow = latency(p.shallow)[stat];
      return { measured: deep, baseline: shallow, ratio: deep / shallow, cpu: cpuOf(run(p.deep)), valid: ok(run(p.deep)) && ok(run(p.shallow)) };
    },
    format: ms,
    baselineName: 'shallow',
    judge: { on: 'ratio', op: '<=', bound: TARGETS.depthRatio },
    target: `≤ ${TARGETS.depthRatio}×`,
  }));
}

/** The figures, named from the settings the run used (depths and places differ in a quick run). */
function figureDefs(settings: Settings): FigureDef[] {
  const { depths, statusPlaces, agedShare } = settings;
  const aged = (d: number) => int(Math.round(d * agedShare));
  return [
  {
    id: 'B1',
    name: 'raw durable SQLite inserts, 1 row per BEGIN/COMMIT (WAL, FULL), mean of before and after 1',
    sample: (r) => r.raw && { measured: rawMean(r.raw), valid: true },
    format: txs,
    target: '—',
  },
  {
    id: 'B2',
    name: 'bare Fastify POST, 32 conn, mean of before and after 3',
    sample: (r) => r.bare && { measured: bareMean(r.bare), cpu: cpuOf(r.bare.before.post), valid: ok(r.bare.before.post) && ok(r.bare.after.post) },
    format: reqs,
    target: '—',
  },
  {
    id: 'B3',
    name: 'raw durable PostgreSQL inserts, 32 clients, 1 row per transaction, mean of before and after 7',
    sample: (r) => r.pgRaw && { measured: rawMean(r.pgRaw), valid: true },
    format: txs,
    target: '—',
  },
  {
    id: '1a',
    name: 'POST /tokens, SQLite, 32 conn, unique Idempotency-Key: rate vs raw SQLite inserts',
    sample: (r) => r.tokens && r.raw && { measured: r.tokens.run.rps, baseline: rawMean(r.raw), ratio: r.tokens.run.rps / rawMean(r.raw), cpu: cpuOf(r.tokens.run), valid: ok(r.tokens.run) },
    format: reqs,
    formatBaseline: txs,
    baselineName: 'raw SQLite',
    judge: { on: 'ratio', op: '>=', bound: TARGETS.tokensVsRaw },
    target: `≥ ${TARGETS.tokensVsRaw}× (goal ${TARGETS.tokensVsRawGoal.toFixed(1)}×)`,
  },
  {
    id: '1b',
    name: 'POST /tokens, SQLite: server CPU per request',
    sample: (r) => r.tokens && { measured: cpuOf(r.tokens.run), ...(r.bare && { baseline: cpuOf(r.bare.before.post) }), valid: ok(r.tokens.run) },
    format: cpuMs,
    baselineName: 'bare POST',
    judge: { on: 'measured', op: '<=', bound: TARGETS.tokensCpuMs },
    target: `≤ ${TARGETS.tokensCpuMs} ms`,
  },
  {
    id: '2',
    name: 'call-next p99, SQLite, 32 conn over 8 counters',
    sample: (r) =>
      r.callNext && {
        measured: r.callNext.run.latency.p99,
        also: r.callNext.run.rps,
        cpu: cpuOf(r.callNext.run),
        valid: ok(r.callNext.run) && r.callNext.empty === 0 && r.callNext.duplicates === 0,
      },
    format: ms,
    formatAlso: reqs,
    judge: { on: 'measured', op: '<', bound: TARGETS.callNextP99Ms },
    target: `< ${TARGETS.callNextP99Ms} ms`,
  },
  {
    id: '3',
    name: 'POST /public/status (right number + last 4), 32 conn: rate vs bare Fastify POST',
    sample: (r) => r.status && r.bare && { measured: r.status.run.rps, baseline: bareMean(r.bare), ratio: r.status.run.rps / bareMean(r.bare), cpu: cpuOf(r.status.run), valid: ok(r.status.run) },
    format: reqs,
    baselineName: 'bare POST',
    judge: { on: 'ratio', op: '>=', bound: TARGETS.statusVsBare },
    target: `≥ ${TARGETS.statusVsBare.toFixed(2)}×`,
  },
  ...depthFigures(['4a', '4b'], `call-next, 1 conn (an issue between calls), line of ${int(depths.deep)} vs ${int(depths.shallow)}`, (r) => r.lines, (t) => t.calls, (t) => t.call),
  ...depthFigures(['4c', '4d'], `priority POST /tokens, 1 conn, ${Math.round(agedShare * 100)}% of the line aged: ${int(depths.deep)} (${aged(depths.deep)} aged) vs ${int(depths.shallow)} (${aged(depths.shallow)} aged)`, (r) => r.aged, (t) => t.run, (t) => t.run.latency),
  ...depthFigures(['4e', '4f'], `status lookup, 1 conn, place ${int(statusPlaces.deep)} of ${int(depths.deep)} vs place ${int(statusPlaces.shallow)} of ${int(depths.shallow)}`, (r) => r.lines, (t) => t.status, (t) => t.status.latency),
  {
    id: '5',
    name: 'server RSS after its scenario, largest of the round’s servers',
    sample: (r) => (r.servers.length === 0 ? undefined : { measured: Math.max(...r.servers.map((s) => s.memory.rssMb)), ...(r.bare && { baseline: r.bare.before.memory.rssMb }), valid: true }),
    format: mb,
    baselineName: 'bare Fastify',
    judge: { on: 'measured', op: '<', bound: TARGETS.rssMb },
    target: `< ${TARGETS.rssMb} MB`,
  },
  {
    id: '6a',
    name: '1,000 sockets, call → event p99, one instance (SQLite)',
    sample: (r) => r.live && { measured: r.live.one.all.p99, valid: r.live.one.missed === 0 },
    format: ms,
    judge: { on: 'measured', op: '<', bound: TARGETS.liveOneP99Ms },
    target: `< ${TARGETS.liveOneP99Ms} ms`,
  },
  {
    id: '6b',
    name: '1,000 sockets, call → event p99, two instances (PostgreSQL + Redis), call on A, sockets on B',
    sample: (r) => r.live && { measured: r.live.two.all.p99, valid: r.live.two.missed === 0 },
    format: ms,
    judge: { on: 'measured', op: '<', bound: TARGETS.liveTwoP99Ms },
    target: `< ${TARGETS.liveTwoP99Ms} ms`,
  },
  ...([
    ['7a', '7b', 'one', '1 instance'],
    ['7c', '7d', 'two', '2 instances + Redis, load split'],
  ] as const).flatMap(([id, callId, key, label]): FigureDef[] => [
    {
      id,
      name: `PostgreSQL, ${label}: POST /tokens rate vs raw PostgreSQL inserts`,
      sample: (r) => {
        const p = r.pg?.[key];
        return p && r.pgRaw && { measured: p.tokens.rps, baseline: rawMean(r.pgRaw), ratio: p.tokens.rps / rawMean(r.pgRaw), cpu: cpuOf(p.tokens), valid: ok(p.tokens) };
      },
      format: reqs,
      formatBaseline: txs,
      baselineName: 'raw PostgreSQL',
      judge: { on: 'ratio', op: '>=', bound: TARGETS.pgTokensVsRaw },
      target: `≥ ${TARGETS.pgTokensVsRaw}×`,
    },
    {
      id: callId,
      name: `PostgreSQL, ${label}: call-next p99, 32 conn over 8 counters`,
      sample: (r) => {
        const c = r.pg?.[key].calls;
        return c && { measured: c.run.latency.p99, also: c.run.rps, cpu: cpuOf(c.run), valid: ok(c.run) && c.empty === 0 && c.duplicates === 0 };
      },
      format: ms,
      formatAlso: reqs,
      judge: { on: 'measured', op: '<', bound: TARGETS.pgCallNextP99Ms },
      target: `< ${TARGETS.pgCallNextP99Ms} ms`,
    },
  ]),
  {
    id: '8a',
    name: 'POST /tokens, SQLite, 32 conn: rate with the audit trail vs the same server with its writes dropped',
    sample: (r) =>
      r.audit && {
        measured: r.audit.tokens.with.run.rps,
        baseline: r.audit.tokens.without.run.rps,
        ratio: r.audit.tokens.with.run.rps / r.audit.tokens.without.run.rps,
        cpu: cpuOf(r.audit.tokens.with.run),
        valid: ok(r.audit.tokens.with.run) && ok(r.audit.tokens.without.run),
      },
    format: reqs,
    baselineName: 'audit off',
    judge: { on: 'ratio', op: '>=', bound: TARGETS.auditKeeps },
    target: `≥ ${TARGETS.auditKeeps}× (costs < 20%)`,
  },
  {
    id: '8b',
    name: 'call-next, SQLite, 32 conn over 8 counters: rate with the audit trail vs with its writes dropped',
    sample: (r) => {
      const c = r.audit?.calls;
      return c && { measured: c.with.run.rps, baseline: c.without.run.rps, ratio: c.with.run.rps / c.without.run.rps, cpu: cpuOf(c.with.run), valid: ok(c.with.run) && ok(c.without.run) && c.with.duplicates === 0 && c.without.duplicates === 0 };
    },
    format: reqs,
    baselineName: 'audit off',
    judge: { on: 'ratio', op: '>=', bound: TARGETS.auditKeeps },
    target: `≥ ${TARGETS.auditKeeps}× (costs < 20%)`,
  },
  {
    id: '8c',
    name: 'audit verify: the whole chain of 1,000,000 entries (SQLite), as `npm run cli -- audit verify` walks it',
    sample: (r) => r.auditVerify && { measured: r.auditVerify.seconds, valid: r.auditVerify.ok },
    format: (n) => `${n.toFixed(1)} s`,
    judge: { on: 'measured', op: '<', bound: TARGETS.auditVerifySeconds },
    target: `< ${TARGETS.auditVerifySeconds} s`,
  },
  {
    id: '8d',
    name: 'field encryption of one POST /tokens (5 AES-256-GCM values, 2 blind indexes), CPU µs, against the server’s CPU per request (8a)',
    sample: (r) => r.audit && { measured: r.audit.encryptionUsPerIssue, baseline: cpuOf(r.audit.tokens.with.run) * 1000, ratio: r.audit.encryptionUsPerIssue / (cpuOf(r.audit.tokens.with.run) * 1000), valid: true },
    format: (n) => `${n.toFixed(0)} µs`,
    baselineName: 'server CPU',
    target: '— (share of a request)',
  },
  {
    id: '9a',
    name: 'call-next p99, SQLite, 32 conn over 8 counters: every waiting patient asked for SMS (messages written and sent meanwhile) vs nobody asking',
    sample: (r) => {
      const n = r.notify;
      return n && { measured: n.with.run.latency.p99, baseline: n.without.run.latency.p99, ratio: n.with.run.latency.p99 / n.without.run.latency.p99, cpu: cpuOf(n.with.run), valid: ok(n.with.run) && ok(n.without.run) && n.with.duplicates === 0 && n.messages.written > 0 };
    },
    format: (n) => `${n.toFixed(1)} ms`,
    baselineName: 'nobody asked',
    judge: { on: 'ratio', op: '<=', bound: TARGETS.notifyP99 },
    target: `≤ ${TARGETS.notifyP99}× (p99 within 20%)`,
  },
  {
    id: '9b',
    name: 'call-next rate with every waiting patient asking for SMS vs nobody asking',
    sample: (r) => {
      const n = r.notify;
      return n && { measured: n.with.run.rps, baseline: n.without.run.rps, ratio: n.with.run.rps / n.without.run.rps, cpu: cpuOf(n.with.run), valid: ok(n.with.run) && ok(n.without.run) };
    },
    format: reqs,
    baselineName: 'nobody asked',
    target: '— (the price of the messages)',
  },
  ];
}

function passes(value: number, judge: NonNullable<FigureDef['judge']>): boolean {
  if (judge.op === '>=') return value >= judge.bound;
  if (judge.op === '<=') return value <= judge.bound;
  return value < judge.bound;
}

/** Each figure over the rounds: the median and range of each number, the verdict on the median. */
export function figures(rounds: Round[], settings: Settings): Figure[] {
  return figureDefs(settings).flatMap((def): Figure[] => {
    const samples = rounds.map((r) => def.sample(r));
    const present = samples.filter((s): s is Sample => s !== undefined);
    if (present.length === 0) return [];
    const measured = spread(present.map((s) => s.measured));
    const baseline = spread(present.flatMap((s) => (s.baseline === undefined ? [] : [s.baseline])));
    const ratios = spread(present.flatMap((s) => (s.ratio === undefined ? [] : [s.ratio])));
    const also = spread(present.flatMap((s) => (s.also === undefined ? [] : [s.also])));
    const cpu = spread(present.flatMap((s) => (s.cpu === undefined ? [] : [s.cpu])));
    const judged = def.judge ? (def.judge.on === 'ratio' ? ratios : measured) : undefined;
    const valid = present.every((s) => s.valid);
    const verdict: Verdict = !def.judge ? '—' : !valid ? 'INVALID' : passes(judged!.median, def.judge) ? 'PASS' : 'MISS';
    const alsoText = also.n > 0 && def.formatAlso ? ` at ${withRange(also, def.formatAlso)}` : '';
    return [
      {
        id: def.id,
        name: def.name,
        measured: `${withRange(measured, def.format)}${alsoText}`,
        baseline: baseline.n > 0 ? `${def.baselineName ? `${def.baselineName} ` : ''}${withRange(baseline, def.formatBaseline ?? def.format)}` : '—',
        ratio: ratios.n > 0 ? withRange(ratios, ratio) : '—',
        target: def.target,
        verdict,
        cpu: cpu.n > 0 ? cpuMs(cpu.median) : '—',
        perRound: samples.map((s) => (s === undefined ? undefined : def.judge?.on === 'ratio' ? s.ratio : s.measured)),
        judged,
        format: def.judge?.on === 'ratio' ? ratio : def.format,
      },
    ];
  });
}

export function figureTable(list: Figure[]): string {
  return table([
    ['#', 'figure', 'measured: median (min–max)', 'baseline', 'ratio', 'target', 'verdict', 'server CPU / request'],
    ...list.map((f) => [f.id, f.name, f.measured, f.baseline, f.ratio, f.target, f.verdict, f.cpu]),
  ]);
}

/** The judged number of every figure in every round, so the spread behind each median is visible. */
export function perRoundTable(list: Figure[], rounds: Round[]): string {
  return table([
    ['#', 'judged on', ...rounds.map((r) => `round ${r.index} (load ${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)})`)],
    ...list.map((f) => [f.id, f.ratio === '—' ? 'measured' : 'ratio', ...f.perRound.map((v) => (v === undefined ? '—' : f.format(v)))]),
  ]);
}
