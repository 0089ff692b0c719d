/** The tables and notes under the figures: every load run, every server's memory, the sockets. */
import { failures, serverCpuMs, type Latency, type LoadResult } from './load.js';
import { CALLS, PATIENTS, STAFF, type LiveResult } from './live.js';
import { describeWaits } from './postgres.js';
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

/** One line per scenario on how its line was built and what it held, from the first round (and where the rounds differ, each). */
export function notes(rounds: Round[]): string {
  const lines: string[] = [];
  const each = <T>(pick: (r: Round) => T | undefined, say: (t: T) => string) => {
    const said = rounds.flatMap((r) => {
      const t = pick(r);
      return t === undefined ? [] : [say(t)];
    });
    return [...new Set(said)].join('; ');
  };
  const tokens = each((r) => r.tokens, (t) => int(t.depthAfter));
  if (tokens) lines.push(`- 1: the line grew to ${tokens} waiting tokens (per round).`);
  const calls = each(
    (r) => r.callNext,
    (c) =>
      `${int(c.depthBefore)} waiting when the run began, ${int(c.depthAfter)} after${c.stoppedEarly ? ` (stopped after ${c.run.elapsedS.toFixed(1)} s so the line would not run dry)` : ''}; line of ${int(c.prefill.written + 2)} written in ${c.prefill.seconds.toFixed(1)} s by ${c.prefill.method}${c.prefill.fallbackReason ? ` (direct rows refused: ${c.prefill.fallbackReason})` : ''}; empty answers ${c.empty}, a token handed out twice ${c.duplicates}`,
  );
  if (calls) lines.push(`- 2: ${calls}.`);
  if (rounds.some((r) => r.status)) lines.push('- 3: 200 tokens issued over HTTP (10 of them called), each looked up in turn with its number and last 4 digits.');
  const line = each(
    (r) => r.lines,
    (p) =>
      [p.shallow, p.deep]
        .map((d) => `line of ${int(d.depth)} written in ${d.prefill.seconds.toFixed(1)} s by ${d.prefill.method}${d.prefill.fallbackReason ? ` (direct rows refused: ${d.prefill.fallbackReason})` : ''}, lookups of places ${int(d.places[0])}–${int(d.places[1])} (each place checked against the server's answer first), ${int(d.depthAfter)} waiting after`)
        .join('; '),
  );
  if (line) lines.push(`- 4a–4b, 4e–4f: ${line}. One connection alternates POST /tokens and call-next, so the depth holds.`);
  const aged = each(
    (r) => r.aged,
    (p) =>
      [p.shallow, p.deep]
        .map((d) => `line of ${int(d.depth)} with ${int(d.aged)} aged, written in ${d.prefill.seconds.toFixed(1)} s by ${d.prefill.method}; the first priority token was placed ${int(d.firstPlace)} (behind every aged token); ${int(d.depthAfter)} waiting after`)
        .join('; '),
  );
  if (aged) lines.push(`- 4c–4d: ${aged}. The department's maxWaitMinutes is 10; aged tokens were written as issued 20 to 15 minutes earlier, the rest at the pre-fill, so none ages during the run. Priority tokens only are issued during the run: the aged count stays the same.`);
  const pg = each(
    (r) => r.pg,
    (p) => [p.one, p.two].map((x) => `${x.instances} instance${x.instances > 1 ? 's' : ''}: line of ${int(x.calls.prefill.written + 2)} written in ${x.calls.prefill.seconds.toFixed(1)} s by ${x.calls.prefill.method}${x.calls.prefill.fallbackReason ? ` (direct rows refused: ${x.calls.prefill.fallbackReason})` : ''}, ${int(x.calls.depthBefore)} waiting when call-next began, ${int(x.calls.depthAfter)} after${x.calls.stoppedEarly ? ', stopped early so the line would not run dry' : ''}; the database committed ${int(x.database.commits)} transactions and rolled back ${int(x.database.rollbacks)} (${int(x.database.deadlocks)} deadlocks); its busy sessions during POST /tokens: ${describeWaits(x.waits.tokens)}; during call-next: ${describeWaits(x.waits.calls)}`).join('; '),
  );
  if (pg) lines.push(`- 7: ${pg}.`);
  const probes = rounds.map((r) => Object.entries(r.probes).map(([k, v]) => `${k}: ${int(v)}`).join(', ')).filter(Boolean);
  if (probes.length > 0) lines.push(`- Durable SQLite commits per second in a 1 s probe before scenarios (per round): ${probes.map((p) => `[${p}]`).join(' ')} — the disk is shared, and a slow fsync slows every commit.`);
  return lines.join('\n');
}
