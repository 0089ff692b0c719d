/** The tables and notes under the figures: every load run, every server's memory, the sockets. */
import { failures, serverCpuMs, type Latency, type LoadResult } from './load.js';
import { CALLS, PATIENTS, STAFF, type LiveResult } from './live.js';
import { AGED_MAX_WAIT_MINUTES } from './depth.js';
import { describeWaits, type WaitProfile } from './postgres.js';
import type { PrefillResult } from './prefill.js';
import type { Round } from './report.js';
import { cpuMs, int, mb, ms, spread, table, withRange } from './stats.js';

interface NamedRun {
  name: string;
  run: LoadResult;
  /** The latencies shown, when not the run's own (one kind of a mixed run). */
  latency?: Latency;
}

/** Every measured load run of a round, named as the details table lists it. */
function runsOf(r: Round): NamedRun[] {
  const out: NamedRun[] = [];
  const add = (name: string, run: LoadResult | undefined, latency?: Latency) => run && out.push({ name, run, ...(latency && { latency }) });
  add('bare Fastify POST (before 3)', r.bare?.before.post);
  add('bare Fastify POST (after 3)', r.bare?.after.post);
  add('1 POST /tokens (SQLite)', r.tokens?.run);
  add('2 call-next, 8 counters (SQLite)', r.callNext?.run);
  add('3 POST /public/status', r.status?.run);
  for (const which of ['shallow', 'deep'] as const) {
    const line = r.lines?.[which];
    if (line) {
      add(`4 status @ place ${int(line.places[1])} of ${int(line.depth)}`, line.status);
      add(`4 call-next @ ${int(line.depth)}`, line.calls, line.call);
      add(`4 (issue between calls @ ${int(line.depth)})`, line.calls, line.issueBetween);
    }
    const aged = r.aged?.[which];
    if (aged) add(`4 priority issue @ ${int(aged.depth)}, ${int(aged.aged)} aged`, aged.run);
  }
  for (const [key, label] of [['one', '1 instance'], ['two', '2 instances']] as const) {
    const p = r.pg?.[key];
    add(`7 PostgreSQL ${label}: POST /tokens`, p?.tokens);
    add(`7 PostgreSQL ${label}: call-next`, p?.calls.run);
  }
  return out;
}

/** Each load run's median over the rounds (failures summed), with server and client CPU. */
export function detailTable(rounds: Round[]): string {
  const byName = new Map<string, NamedRun[]>();
  for (const r of rounds) for (const n of runsOf(r)) byName.set(n.name, [...(byName.get(n.name) ?? []), n]);
  const med = (runs: NamedRun[], f: (n: NamedRun) => number, format: (n: number) => string) => format(spread(runs.map(f)).median);
  const lat = (n: NamedRun) => n.latency ?? n.run.latency;
  return table([
    ['run (median of rounds)', 'rounds', 's', '2xx/s', 'n', 'mean', 'p50', 'p90', 'p99', 'max', 'failures', 'CPU cores server / client', 'server CPU / 2xx'],
    ...[...byName.entries()].map(([name, runs]) => [
      name,
      String(runs.length),
      med(runs, (n) => n.run.elapsedS, (v) => v.toFixed(1)),
      withRange(spread(runs.map((n) => n.run.rps)), int),
      med(runs, (n) => lat(n).count, int),
      med(runs, (n) => lat(n).mean, ms),
      med(runs, (n) => lat(n).p50, ms),
      med(runs, (n) => lat(n).p90, ms),
      med(runs, (n) => lat(n).p99, ms),
      med(runs, (n) => lat(n).max, ms),
      String(runs.reduce((sum, n) => sum + failures(n.run), 0)),
      `${med(runs, (n) => n.run.cpu.server ?? NaN, (v) => v.toFixed(2))} / ${med(runs, (n) => n.run.cpu.client, (v) => v.toFixed(2))}`,
      med(runs, (n) => serverCpuMs(n.run) ?? NaN, cpuMs),
    ]),
  ]);
}

/** Each server's resident memory after its scenario (median over rounds) and its peak (largest). */
export function memoryTable(rounds: Round[]): string {
  const byName = new Map<string, { rss: number[]; peak: number[]; log: number[] }>();
  const add = (name: string, rss: number, peak: number, log: number) => {
    const e = byName.get(name) ?? { rss: [], peak: [], log: [] };
    e.rss.push(rss);
    e.peak.push(peak);
    e.log.push(log);
    byName.set(name, e);
  };
  for (const r of rounds) {
    if (r.bare) add('bare Fastify (no logger)', r.bare.before.memory.rssMb, r.bare.before.memory.peakMb, 0);
    for (const s of r.servers) add(s.server, s.memory.rssMb, s.memory.peakMb, s.logBytes / 2 ** 20);
  }
  return table([
    ['server', 'VmRSS after: median (min–max)', 'VmHWM (peak), largest', 'log written (median)'],
    ...[...byName.entries()].map(([name, e]) => [name, withRange(spread(e.rss), mb), mb(Math.max(...e.peak)), `${spread(e.log).median.toFixed(1)} MB`]),
  ]);
}

export function liveTable(rounds: Round[]): string {
  const lives = rounds.flatMap((r) => (r.live ? [r.live] : []));
  if (lives.length === 0) return '';
  const row = (pick: (l: { one: LiveResult; two: LiveResult }) => LiveResult) => {
    const rs = lives.map(pick);
    const s = (f: (l: LiveResult) => number, format: (n: number) => string) => withRange(spread(rs.map(f)), format);
    return [rs[0]!.label, s((l) => l.staff.p99, ms), s((l) => l.patients.p99, ms), s((l) => l.all.p99, ms), s((l) => l.all.mean, ms), String(rs.reduce((n, l) => n + l.missed, 0)), s((l) => l.kbPerSocket, (n) => `${n.toFixed(1)} KB`)];
  };
  return [
    `${PATIENTS} patients following their own token (each call moves every one of them up) and ${STAFF} boards/consoles following the department; ${CALLS} calls, one at a time, per round. Latency: call-next request sent → the socket's message received (staff: \`token.called\`; patients: their new place). The sockets are opened by the harness process on the same cores as the server(s).`,
    '',
    table([
      ['setup', 'staff p99', 'patients p99', 'all p99', 'all mean', 'missed', 'server memory per socket'],
      row((l) => l.one),
      row((l) => l.two),
    ]),
  ].join('\n');
}

/** How the lines were written: "direct rows in 1.3–1.9 s", or the server's issue() and why. */
function written(results: PrefillResult[]): string {
  const seconds = spread(results.map((p) => p.seconds));
  const methods = [...new Set(results.map((p) => p.method))].join(' / ');
  const reasons = [...new Set(results.flatMap((p) => (p.fallbackReason ? [p.fallbackReason] : [])))];
  return `${methods} in ${withRange(seconds, (n) => `${n.toFixed(1)} s`)}${reasons.length > 0 ? ` (direct rows refused: ${reasons.join('; ')})` : ''}`;
}

/** Wait shares averaged over the rounds. */
function meanWaits(profiles: WaitProfile[]): WaitProfile {
  const sum = new Map<string, number>();
  for (const p of profiles) for (const [k, v] of Object.entries(p)) sum.set(k, (sum.get(k) ?? 0) + v / profiles.length);
  return Object.fromEntries([...sum.entries()].sort((a, b) => b[1] - a[1]));
}

const perRound = (values: string[]) => values.join('; ');

/** One line per scenario on how its line was built and what it held, round by round where it differs. */
export function notes(rounds: Round[]): string {
  const lines: string[] = [];
  const has = <T>(pick: (r: Round) => T | undefined): T[] => rounds.flatMap((r) => (pick(r) === undefined ? [] : [pick(r)!]));
  const tokens = has((r) => r.tokens);
  if (tokens.length > 0) lines.push(`- 1: waiting tokens after the run, per round: ${perRound(tokens.map((t) => int(t.depthAfter)))}.`);
  const calls = has((r) => r.callNext);
  if (calls.length > 0) {
    lines.push(
      `- 2: line of ${int(calls[0]!.prefill.written + 2)} written by ${written(calls.map((c) => c.prefill))}; waiting when the run began → after, per round: ${perRound(calls.map((c) => `${int(c.depthBefore)} → ${int(c.depthAfter)}${c.stoppedEarly ? ` (stopped after ${c.run.elapsedS.toFixed(1)} s so the line would not run dry)` : ''}`))}; empty answers ${calls.reduce((n, c) => n + c.empty, 0)}, a token handed out twice ${calls.reduce((n, c) => n + c.duplicates, 0)}.`,
    );
  }
  if (rounds.some((r) => r.status)) lines.push('- 3: 200 tokens issued over HTTP (10 of them called), each looked up in turn with its number and last 4 digits.');
  const lineRuns = has((r) => r.lines);
  if (lineRuns.length > 0) {
    const { shallow, deep } = lineRuns[0]!;
    lines.push(
      `- 4a–4b, 4e–4f: lines of ${int(shallow.depth)} and ${int(deep.depth)}, the deep one written by ${written(lineRuns.map((p) => p.deep.prefill))}; status lookups cycle through places ${int(shallow.places[0])}–${int(shallow.places[1])} and ${int(deep.places[0])}–${int(deep.places[1])}, each place first checked against the server's answer; then one connection alternates POST /tokens and call-next, so the depth holds (waiting after, per round: ${perRound(lineRuns.map((p) => `${int(p.shallow.depthAfter)} / ${int(p.deep.depthAfter)}`))}).`,
    );
  }
  const aged = has((r) => r.aged);
  if (aged.length > 0) {
    const { shallow, deep } = aged[0]!;
    lines.push(
      `- 4c–4d: lines of ${int(shallow.depth)} (${int(shallow.aged)} aged) and ${int(deep.depth)} (${int(deep.aged)} aged), the deep one written by ${written(aged.map((p) => p.deep.prefill))}. The department's maxWaitMinutes is ${AGED_MAX_WAIT_MINUTES}; aged tokens were written as issued 20 to 15 minutes earlier, the rest at the pre-fill, so none ages during the run. The first priority token was placed, per round: ${perRound(aged.map((p) => `${int(p.shallow.firstPlace)} / ${int(p.deep.firstPlace)}`))} (behind every aged token, as it should be). Only priority tokens are issued during the run, so the aged count holds (waiting after: ${perRound(aged.map((p) => `${int(p.shallow.depthAfter)} / ${int(p.deep.depthAfter)}`))}).`,
    );
  }
  const pgs = has((r) => r.pg);
  if (pgs.length > 0) {
    for (const key of ['one', 'two'] as const) {
      const xs = pgs.map((p) => p[key]);
      lines.push(
        `- 7, ${xs[0]!.instances} instance${xs[0]!.instances > 1 ? 's' : ''}: line of ${int(xs[0]!.calls.prefill.written + 2)} written by ${written(xs.map((x) => x.calls.prefill))}; waiting when call-next began → after, per round: ${perRound(xs.map((x) => `${int(x.calls.depthBefore)} → ${int(x.calls.depthAfter)}`))}; rolled back / committed transactions in the scenario's database, per round: ${perRound(xs.map((x) => `${int(x.database.rollbacks)} / ${int(x.database.commits)}${x.database.deadlocks > 0 ? ` (${int(x.database.deadlocks)} deadlocks)` : ''}`))}. What its busy sessions were doing (pg_stat_activity every 50 ms, mean of the rounds) — during POST /tokens: ${describeWaits(meanWaits(xs.map((x) => x.waits.tokens)))}; during call-next: ${describeWaits(meanWaits(xs.map((x) => x.waits.calls)))}.`,
      );
    }
  }
  const probes = rounds.map((r) => Object.entries(r.probes).map(([k, v]) => `${k}: ${int(v)}`).join(', ')).filter(Boolean);
  if (probes.length > 0) lines.push(`- Durable SQLite commits per second in a 1 s probe before scenarios, per round: ${probes.map((p) => `[${p}]`).join(' ')} — the disk is shared, and a slow fsync slows every commit (and every one-connection request in scenario 4).`);
  return lines.join('\n');
}
