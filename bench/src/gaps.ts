import type { LoadResult } from './load.js';
import { barePostRps, serverCpuMs, TARGETS, type Figure, type Results } from './report.js';

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** How busy the server's one JavaScript thread was: the difference between "CPU-bound" and "waiting". */
function busy(run: Results, r: LoadResult): string {
  const cores = r.cpu.server;
  if (cores === undefined) return '';
  const ms = serverCpuMs(r)!;
  const verdict =
    cores >= 0.9
      ? 'its one JavaScript thread was saturated, so the rate is set by CPU time per request'
      : `it was not saturated: the rest of the time it waited — for commits' fsync (better-sqlite3 runs it on the main thread; see the disk probes) or for CPU taken by the load generator and other processes on these ${run.machine.cpus} cores`;
  return `The server used ${f2(cores)} cores (${f3(ms)} ms of CPU per answered request): ${verdict}.`;
}

/** Little's law: with c connections always busy, mean latency = c / throughput. */
const littleMs = (connections: number, rps: number) => (connections / rps) * 1000;

function tokensRate(r: Results): string {
  const t = r.tokens.run;
  const perRequestBudgetMs = 1000 / r.raw.txPerSecond;
  return [
    `POST /tokens answered ${int(t.rps)} req/s against ${int(r.raw.txPerSecond)} single-row durable commits/s on the same disk (${f2(t.rps / r.raw.txPerSecond)}×).`,
    busy(r, t),
    `The disk is not what limits it: the server's group commit shares one fsync among all the issues that arrive together, so the ceiling is CPU. Reaching 1.0× means at most ${f3(perRequestBudgetMs)} ms of server CPU per token, all in — HTTP parsing, JWT check, session lookup, validation, phone parsing, a dozen or more SQL statements, the live event, the reply.`,
    `A bare Fastify POST on this machine answers ${int(barePostRps(r))} req/s (${f3(serverCpuMs(r.bare.post) ?? NaN)} ms of CPU each), so the framework alone takes ${Math.round(((serverCpuMs(r.bare.post) ?? 0) / perRequestBudgetMs) * 100)}% of that budget.`,
    'What would close it: several times less CPU per request. No single part dominates (bench/FINDINGS.md breaks one request down: query building, SQLite, crypto, validation, HTTP each take a slice), so it takes structural changes — precompiled SQL for the hot statements, cheaper per-request authentication and idempotency sealing — and a machine where the load generator does not share the server\'s cores.',
  ]
    .filter(Boolean)
    .join(' ');
}

function tokensLatency(r: Results): string {
  const t = r.tokens.run;
  return [
    `p99 ${f1(t.latency.p99)} ms with ${r.settings.connections} connections at ${int(t.rps)} req/s; mean ${f1(t.latency.mean)} ms, as Little's law predicts (${r.settings.connections} / ${int(t.rps)} = ${f1(littleMs(r.settings.connections, t.rps))} ms).`,
    `With every connection always waiting, latency is throughput in disguise: a p99 under ${TARGETS.tokensP99Ms} ms needs a mean well under it, i.e. well over ${int(r.settings.connections / (TARGETS.tokensP99Ms / 1000))} req/s.`,
    'The tail comes from group commits: a request that arrives while a batch is committing waits for that batch and then its own, and the event loop does nothing else during a commit (better-sqlite3 is synchronous).',
    'What would close it: the throughput work above; a smaller MAX_GROUP_COMMIT would shorten each batch at some cost in fsyncs.',
  ].join(' ');
}

function callNextLatency(r: Results): string {
  const c = r.callNext.run;
  if (r.callNext.empty > 0 || r.callNext.duplicates > 0) {
    return `The run is not valid: call-next answered an empty line ${r.callNext.empty}× and handed out a token twice ${r.callNext.duplicates}×; the pre-fill must be deeper (it was ${int(r.callNext.prefillRun.ok)}).`;
  }
  return [
    `p99 ${f1(c.latency.p99)} ms at ${int(c.rps)} req/s over 8 counters (mean ${f1(c.latency.mean)} ms; Little's law: ${f1(littleMs(r.settings.connections, c.rps))} ms).`,
    busy(r, c),
    `All 8 counters are one department, so every call-next is serialised (SQLite has one writer, and call order must be exact); a p99 under ${TARGETS.callNextP99Ms} ms at ${r.settings.connections} connections needs roughly ${int(r.settings.connections / (TARGETS.callNextP99Ms / 2000))} calls/s (mean at about half the p99).`,
    'What would close it: less CPU per call (the same work as for POST /tokens: each call-next writes the token, its transition, the lane counts and a live event, and runs a dozen statements through the query builder), and a quieter disk (see the probe before scenario 2).',
  ]
    .filter(Boolean)
    .join(' ');
}

function statusRate(r: Results): string {
  const s = r.status.run;
  return [
    `${int(s.rps)} req/s is ${f1((s.rps / barePostRps(r)) * 100)}% of the bare Fastify POST (${int(barePostRps(r))} req/s, the mean of the runs before and after).`,
    busy(r, s),
    `Each lookup reads the lockout row, the token by number and day, the department, the lane counts and counts the part of its own lane ahead of it (O(position)), and validates and serialises through zod; ${f3(serverCpuMs(s) ?? NaN)} ms against the bare endpoint's ${f3(serverCpuMs(r.bare.post) ?? NaN)} ms of CPU.`,
    'What would close it: fewer reads per lookup (the department and the wait statistics change rarely and could be cached; the lockout row only matters after a failure), and the per-request work every route shares (see bench/FINDINGS.md).',
  ]
    .filter(Boolean)
    .join(' ');
}

function depthRatio(r: Results, which: 'mean' | 'p99'): string {
  const { shallow, deep } = r.depth;
  return [
    `call-next ${which} ${f2(deep.call[which])} ms at depth ${int(deep.depth)} against ${f2(shallow.call[which])} ms at ${int(shallow.depth)}.`,
    `Issue between calls: ${f2(deep.issue[which])} ms against ${f2(shallow.issue[which])} ms.`,
    which === 'p99' ? `With ${int(deep.call.count)} and ${int(shallow.call.count)} calls, a p99 rests on the slowest one or two, so it is noisy on a shared machine; the mean ratio is the steadier figure.` : '',
    'Call-next reads the head of each lane through the (department_id, status, lane, queued_at, id) index, so its work should not grow with the line; a ratio above the target on a loaded machine is worth re-running before it is believed.',
  ]
    .filter(Boolean)
    .join(' ');
}

function memory(r: Results): string {
  return `The largest server held ${f1(Math.max(...r.memories.map((m) => m.memory.rssMb)))} MB. See the memory table for each server; a heap snapshot after the heaviest scenario would show what holds it.`;
}

/** One paragraph per figure that missed its target or could not be measured, from this run's own numbers. */
export function gaps(r: Results, list: Figure[]): string {
  const explain: Record<string, (r: Results) => string> = {
    '1a': tokensRate,
    '1b': tokensLatency,
    '2': callNextLatency,
    '3': statusRate,
    '4a': (x) => depthRatio(x, 'mean'),
    '4b': (x) => depthRatio(x, 'p99'),
    '5': memory,
  };
  const missed = list.filter((f) => f.verdict === 'MISS' || f.verdict === 'INVALID');
  const lines = missed.map((f) => `- **${f.id} ${f.name}** — ${f.verdict}: ${f.measured}, target ${f.target}. ${explain[f.id]?.(r) ?? ''}`);
  const load = r.machine.loadBefore[0]! > r.machine.cpus * 0.5 || r.machine.loadAfter[0]! > r.machine.cpus * 0.5;
  if (load) {
    lines.push(
      `- **Noise**: the load average was ${f2(r.machine.loadBefore[0]!)} before and ${f2(r.machine.loadAfter[0]!)} after the run on ${r.machine.cpus} CPUs — other processes were competing for the cores, so every figure here is lower (and every latency higher) than the machine alone would give. Compare the baselines of runs, not only the scenarios.`,
    );
  }
  return lines.length === 0 ? 'Every target was met in this run.' : lines.join('\n');
}
