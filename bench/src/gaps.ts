/**
 * One paragraph per figure that missed its target (or could not be judged), from this run's own
 * medians: what was measured, what the target needs, and where the time goes as far as the run
 * shows it. Why the server spends what it spends is in bench/FINDINGS.md (hand-written, dated).
 */
import type { DepthPair } from './depth.js';
import { serverCpuMs, type LoadResult } from './load.js';
import { TARGETS, type Figure, type Round } from './report.js';
import { cpuMs, int, median, ms } from './stats.js';

const f2 = (n: number) => n.toFixed(2);
const of = (rounds: Round[], f: (r: Round) => number | undefined): number => median(rounds.flatMap((r) => (f(r) === undefined ? [] : [f(r)!])));
const cpu = (r: LoadResult | undefined) => (r ? serverCpuMs(r) : undefined);
const cores = (r: LoadResult | undefined) => r?.cpu.server;

/** How busy the server was: the difference between "CPU-bound" and "waiting". */
function busy(c: number, perRequest: number, servers = 1): string {
  const saturated = c >= 0.9 * servers;
  return `The server${servers > 1 ? 's' : ''} used ${f2(c)} cores (${cpuMs(perRequest)} of CPU per answered request)${
    saturated
      ? servers > 1
        ? ' — both JavaScript threads were busy nearly all the time, so the rate is set by CPU per request.'
        : ' — its one JavaScript thread was saturated, so the rate is set by CPU per request.'
      : ' — not saturated: the rest of the time it waited (for commits, for the database, or for cores taken by the load generator and other work on the machine).'
  }`;
}

function depthGap(rounds: Round[], pick: (r: Round) => DepthPair<LoadResult> | undefined, what: string): string {
  const deep = of(rounds, (r) => cpu(pick(r)?.deep));
  const shallow = of(rounds, (r) => cpu(pick(r)?.shallow));
  const grows = deep > shallow * TARGETS.depthRatio;
  return `Server CPU per request ${cpuMs(deep)} on the deep line against ${cpuMs(shallow)} on the shallow one (one connection, so CPU per request is close to the server's share of the latency): ${
    grows ? `the work itself grows with ${what}.` : `the CPU does not grow by the target's factor, so the extra time is waiting (disk, or other work on the machine); re-run before believing it.`
  }`;
}

export function gaps(rounds: Round[], list: Figure[]): string {
  const explain: Record<string, () => string> = {
    '1a': () => {
      const raw = of(rounds, (r) => r.raw && (r.raw.before.txPerSecond + r.raw.after.txPerSecond) / 2);
      const c = of(rounds, (r) => cpu(r.tokens?.run));
      return [
        busy(of(rounds, (r) => cores(r.tokens?.run)), c),
        `At ${int(raw)} raw commits/s, ${TARGETS.tokensVsRaw}× leaves ${cpuMs(1000 / (raw * TARGETS.tokensVsRaw))} of server CPU per token all in (HTTP, authentication, validation, the SQL, the live event, the log line, the reply), and the goal of 1.0× ${cpuMs(1000 / raw)}.`,
        'The disk is not the limit: group commit shares one fsync among the issues that arrive together.',
      ].join(' ');
    },
    '1b': () => {
      const c = of(rounds, (r) => cpu(r.tokens?.run));
      const bare = of(rounds, (r) => cpu(r.bare?.before.post));
      return `${cpuMs(c)} per POST /tokens is ${f2(c / TARGETS.tokensCpuMs)}× the ${TARGETS.tokensCpuMs} ms target; a bare Fastify POST (no logger, no validation, no database) costs ${cpuMs(bare)}.`;
    },
    '2': () => {
      const run = (r: Round) => r.callNext?.run;
      const rps = of(rounds, (r) => run(r)?.rps);
      const conns = 32;
      return [
        `${int(rps)} calls/s; with ${conns} connections always waiting, mean latency = ${conns} / rate (Little's law: ${ms((conns / rps) * 1000)}; measured mean ${ms(of(rounds, (r) => run(r)?.latency.mean))}).`,
        busy(of(rounds, (r) => cores(run(r))), of(rounds, (r) => cpu(run(r)))),
        `All 8 counters serve one department, so every call-next is serialised; a p99 under ${TARGETS.callNextP99Ms} ms at ${conns} connections needs roughly ${int(conns / (TARGETS.callNextP99Ms / 2000))} calls/s (mean at about half the p99), i.e. about ${cpuMs(1000 / (conns / (TARGETS.callNextP99Ms / 2000)))} of CPU per call.`,
      ].join(' ');
    },
    '3': () => {
      const c = of(rounds, (r) => cpu(r.status?.run));
      const bare = of(rounds, (r) => cpu(r.bare?.before.post));
      return [busy(of(rounds, (r) => cores(r.status?.run)), c), `The bare endpoint costs ${cpuMs(bare)}; ${TARGETS.statusVsBare}× of its rate means about ${cpuMs(bare / TARGETS.statusVsBare)} per lookup.`].join(' ');
    },
    '4a': () => depthGap(rounds, (r) => r.lines && { shallow: r.lines.shallow.calls, deep: r.lines.deep.calls }, 'the line'),
    '4c': () => depthGap(rounds, (r) => r.aged && { shallow: r.aged.shallow.run, deep: r.aged.deep.run }, 'the number of aged tokens'),
    '4e': () => depthGap(rounds, (r) => r.lines && { shallow: r.lines.shallow.status, deep: r.lines.deep.status }, 'the place in line'),
    '5': () => {
      // Each server's median over the rounds, largest first: which scenario sets the figure.
      const byServer = new Map<string, number[]>();
      for (const r of rounds) for (const s of r.servers) byServer.set(s.server, [...(byServer.get(s.server) ?? []), s.memory.rssMb]);
      const ranked = [...byServer.entries()].map(([name, rss]) => ({ name, rss: median(rss) })).sort((a, b) => b.rss - a.rss);
      const over = ranked.filter((s) => s.rss >= TARGETS.rssMb);
      const under = ranked.find((s) => s.rss < TARGETS.rssMb);
      return `Over the target: ${over.map((s) => `${s.name} ${Math.round(s.rss)} MB`).join(', ')}${under ? `; the largest of the rest: ${under.name} ${Math.round(under.rss)} MB` : ''} (medians of the rounds; every server is in the memory table with its peak).`;
    },
    '6a': () => {
      const staff = of(rounds, (r) => r.live?.one.staff.p99);
      const patients = of(rounds, (r) => r.live?.one.patients.p99);
      return `Boards and consoles hear of a call at p99 ${ms(staff)}, patients at ${ms(patients)}. Every call moves all 900 followed patients up, so each call is 900 status messages sent from the server's one thread and read by the harness's one thread, on the same cores (phones would be on other machines).`;
    },
  };
  explain['4b'] = explain['4a']!;
  explain['4d'] = explain['4c']!;
  explain['4f'] = explain['4e']!;
  for (const [id, callId, key] of [['7a', '7b', 'one'], ['7c', '7d', 'two']] as const) {
    explain[id] = () => {
      const run = (r: Round) => r.pg?.[key].tokens;
      return `${busy(of(rounds, (r) => cores(run(r))), of(rounds, (r) => cpu(run(r))), key === 'one' ? 1 : 2)} PostgreSQL, its WAL writer and (for two instances) Redis run on the same cores.`;
    };
    explain[callId] = () => {
      const run = (r: Round) => r.pg?.[key].calls.run;
      return `${int(of(rounds, (r) => run(r)?.rps))} calls/s, mean ${ms(of(rounds, (r) => run(r)?.latency.mean))}. ${busy(of(rounds, (r) => cores(run(r))), of(rounds, (r) => cpu(run(r))), key === 'one' ? 1 : 2)} Every call-next of one department takes its lock in PostgreSQL, so two instances add no parallelism to one department's calls.`;
    };
  }
  const missed = list.filter((f) => f.verdict === 'MISS' || f.verdict === 'INVALID');
  const lines = missed.map((f) => `- **${f.id} ${f.name}** — ${f.verdict}: ${f.measured}${f.ratio !== '—' ? `, ratio ${f.ratio}` : ''}, target ${f.target}. ${explain[f.id]?.() ?? ''}`);
  const maxLoad = Math.max(...rounds.flatMap((r) => r.load));
  if (maxLoad > 1) {
    lines.push(
      `- **Noise**: the 1-minute load average reached ${f2(maxLoad)} during the run on this machine — other processes compete for the cores, so figures are lower (and latencies higher) than the machine alone would give; the per-round table shows how far rounds differ.`,
    );
  }
  return lines.length === 0 ? 'Every target was met in this run.' : lines.join('\n');
}
