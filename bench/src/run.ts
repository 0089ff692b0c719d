/**
 * `npm run bench`: the npm script builds the server and this harness, then this file runs every
 * scenario in rounds (each round runs each chosen scenario once, baselines beside their scenarios),
 * reports each figure's median and range over the rounds, and writes bench/RESULTS.md.
 *
 * Options (flags after `npm run bench --`, or the BENCH_* variables):
 *   --only=tokens,call-next,status,depth,aged,pg,live,audit,notify   BENCH_ONLY   scenarios to run (default all)
 *   --runs=N                                            BENCH_RUNS   rounds (default 3)
 *   --quick                                             BENCH_QUICK=1  short runs and a line of 10,000 instead of 100,000
 *   --duration=S                                        BENCH_DURATION  seconds of each measured run
 *   --report=bench/.tmp/last-run.json                   BENCH_REPORT  re-render a saved run, measure nothing
 *   (environment only)                                  BENCH_PROFILE_DIR  every server child writes a V8 CPU profile there
 *   (environment only)                                  BENCH_PG_POOL_SIZE PostgreSQL connections per server (sizing the pool)
 * RESULTS.md is written only by a full run (every scenario, 3+ rounds, not quick, default durations).
 * Every run saves its measurements in bench/.tmp/last-run.json.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bareFastify, rawDurableInserts, rawPgInserts } from './baselines.js';
import { agedAtDepths, linesAtDepth } from './depth.js';
import { detailTable, liveTable, memoryTable, notes } from './details.js';
import { gaps } from './gaps.js';
import { newDirFactory, type Context, type Settings } from './harness.js';
import { liveOneInstance, liveTwoInstances } from './live.js';
import { postgresScenario } from './pg.js';
import { auditCost } from './audit.js';
import { notificationCost } from './notifications.js';
import { verifyLargeTrail, writeLargeTrail } from './audit-verify.js';
import { checkpoint, PG_ADMIN_URL, pgSettings } from './postgres.js';
import { newJwtSecret, SERVER_ENV_DESCRIPTION } from './processes.js';
import { figures, figureTable, perRoundTable, type Round } from './report.js';
import { callNext, issueTokens, publicStatus } from './scenarios.js';

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));
const REPO_DIR = join(BENCH_DIR, '..');
const RESULTS_FILE = join(BENCH_DIR, 'RESULTS.md');
const LAST_RUN_FILE = join(BENCH_DIR, '.tmp', 'last-run.json');
const SCENARIOS = ['tokens', 'call-next', 'status', 'depth', 'aged', 'pg', 'live', 'audit', 'notify'] as const;
/** Entries in the trail `audit verify` walks (8c), written once per run. */
const AUDIT_VERIFY_ENTRIES = 1_000_000;
type Scenario = (typeof SCENARIOS)[number];
const DEFAULT_RUNS = 3;

function option(flag: string, env: string): string | undefined {
  const arg = process.argv.slice(2).find((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  if (arg !== undefined) return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : '1';
  return process.env[env];
}

const quick = option('quick', 'BENCH_QUICK') === '1';
const runs = Number(option('runs', 'BENCH_RUNS') ?? DEFAULT_RUNS);
const only = option('only', 'BENCH_ONLY')?.split(',').map((s) => s.trim()).filter(Boolean);
const durationOverride = option('duration', 'BENCH_DURATION');
for (const s of only ?? []) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`--only: unknown scenario "${s}"; choose from ${SCENARIOS.join(', ')}`);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: "${runs}" is not a positive whole number`);
const chosen = new Set<Scenario>((only as Scenario[] | undefined) ?? SCENARIOS);
const full = !quick && chosen.size === SCENARIOS.length && runs >= DEFAULT_RUNS && durationOverride === undefined;

const base: Settings = quick
  ? { connections: 32, durationS: 2, warmupS: 1, depthConnections: 1, depthDurationS: 2, depths: { shallow: 100, deep: 10_000 }, statusPlaces: { shallow: 100, deep: 5_000 }, agedShare: 0.05, callNextDepth: 5_000, rawSeconds: 1, probeSeconds: 1, pgClients: 32 }
  : { connections: 32, durationS: 8, warmupS: 2, depthConnections: 1, depthDurationS: 6, depths: { shallow: 100, deep: 100_000 }, statusPlaces: { shallow: 100, deep: 5_000 }, agedShare: 0.05, callNextDepth: 60_000, rawSeconds: 3, probeSeconds: 1, pgClients: 32 };
const SETTINGS: Settings = durationOverride === undefined ? base : { ...base, durationS: Number(durationOverride), depthDurationS: Number(durationOverride) };

const startedAt = Date.now();
const log = (message: string) => process.stderr.write(`[bench +${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${message}\n`);
const git = (args: string[]): string => {
  try {
    return execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};

async function round(ctx: Context, index: number): Promise<Round> {
  const started = Date.now();
  const r: Round = { index, seconds: 0, load: [os.loadavg()[0]!, 0], probes: {}, servers: [] };
  ctx.servers = r.servers;
  const { rawSeconds, probeSeconds } = ctx.settings;
  const raw = (label: string) => {
    const result = rawDurableInserts(ctx.newDir(`raw-${label}`), rawSeconds);
    log(`  raw SQLite inserts (${label}): ${Math.round(result.txPerSecond)} tx/s`);
    return result;
  };
  const probe = (scenario: string) => (r.probes[scenario] = rawDurableInserts(ctx.newDir(`probe-${scenario}`), probeSeconds).txPerSecond);
  const say = (what: string) => log(`round ${index}: ${what}`);
  /**
   * Before each scenario (and its baselines): what the one before wrote reaches the disk now, not
   * while this one measures. 8c writes a trail of a million entries with synchronous=OFF, and the
   * kernel flushed it during 9's first run (p99 495 ms against 53 ms in round 1 of the full run at
   * a2a9294); 7 leaves PostgreSQL a checkpoint to do.
   */
  const quiet = async () => {
    execFileSync('sync');
    if (chosen.has('pg')) await checkpoint(PG_ADMIN_URL);
  };

  if (chosen.has('tokens')) {
    await quiet();
    const before = raw('before 1');
    say('1 POST /tokens (SQLite)');
    r.tokens = await issueTokens(ctx);
    log(`  ${Math.round(r.tokens.run.rps)} req/s, p99 ${r.tokens.run.latency.p99.toFixed(1)} ms`);
    r.raw = { before, after: raw('after 1') };
  }
  if (chosen.has('call-next')) {
    await quiet();
    probe('2');
    say(`2 call-next (SQLite, line of ${ctx.settings.callNextDepth})`);
    r.callNext = await callNext(ctx);
    log(`  ${Math.round(r.callNext.run.rps)} req/s, p99 ${r.callNext.run.latency.p99.toFixed(1)} ms`);
  }
  if (chosen.has('status')) {
    await quiet();
    say('bare Fastify (before 3)');
    const before = await bareFastify(ctx.newDir('bare-before'), ctx.settings);
    log(`  ${Math.round(before.post.rps)} req/s`);
    probe('3');
    say('3 public status');
    r.status = await publicStatus(ctx);
    log(`  ${Math.round(r.status.run.rps)} req/s`);
    const after = await bareFastify(ctx.newDir('bare-after'), ctx.settings);
    log(`  bare Fastify (after 3): ${Math.round(after.post.rps)} req/s`);
    r.bare = { before, after };
  }
  if (chosen.has('depth')) {
    await quiet();
    probe('4');
    say(`4 lines of ${ctx.settings.depths.shallow} and ${ctx.settings.depths.deep}: status lookups, then call-next`);
    r.lines = await linesAtDepth(ctx);
    log(`  status mean ${r.lines.shallow.status.latency.mean.toFixed(2)} / ${r.lines.deep.status.latency.mean.toFixed(2)} ms; call-next ${r.lines.shallow.call.mean.toFixed(2)} / ${r.lines.deep.call.mean.toFixed(2)} ms`);
  }
  if (chosen.has('aged')) {
    await quiet();
    probe('4c');
    say('4c priority issue with aged tokens');
    r.aged = await agedAtDepths(ctx);
    log(`  mean ${r.aged.shallow.run.latency.mean.toFixed(2)} / ${r.aged.deep.run.latency.mean.toFixed(2)} ms`);
  }
  if (chosen.has('pg')) {
    await quiet();
    const pgRaw = async (label: string) => {
      const result = await rawPgInserts(PG_ADMIN_URL, ctx.settings.pgClients, rawSeconds);
      log(`  raw PostgreSQL inserts (${label}): ${Math.round(result.txPerSecond)} tx/s`);
      return result;
    };
    const before = await pgRaw('before 7');
    say('7 PostgreSQL, 1 instance');
    const one = await postgresScenario(ctx, 1);
    log(`  POST /tokens ${Math.round(one.tokens.rps)} req/s; call-next ${Math.round(one.calls.run.rps)} req/s, p99 ${one.calls.run.latency.p99.toFixed(1)} ms`);
    say('7 PostgreSQL, 2 instances + Redis');
    const two = await postgresScenario(ctx, 2);
    log(`  POST /tokens ${Math.round(two.tokens.rps)} req/s; call-next ${Math.round(two.calls.run.rps)} req/s, p99 ${two.calls.run.latency.p99.toFixed(1)} ms`);
    r.pg = { one, two };
    r.pgRaw = { before, after: await pgRaw('after 7') };
  }
  if (chosen.has('audit')) {
    await quiet();
    say('8 the audit trail: POST /tokens and call-next with it and with its writes dropped');
    r.audit = await auditCost(ctx);
    const keeps = (w: { run: { rps: number } }, wo: { run: { rps: number } }) => (w.run.rps / wo.run.rps).toFixed(2);
    log(`  tokens ${keeps(r.audit.tokens.with, r.audit.tokens.without)}×, call-next ${keeps(r.audit.calls.with, r.audit.calls.without)}× of audit off`);
    ctx.auditTrailFile ??= await writeLargeTrail(ctx.newDir('s8-verify'), AUDIT_VERIFY_ENTRIES);
    r.auditVerify = await verifyLargeTrail(ctx.auditTrailFile, AUDIT_VERIFY_ENTRIES);
    log(`  audit verify of ${AUDIT_VERIFY_ENTRIES} entries: ${r.auditVerify.seconds.toFixed(1)} s (${r.auditVerify.ok ? 'whole' : 'NOT whole'})`);
  }
  if (chosen.has('notify')) {
    await quiet();
    say('9 call-next with every waiting patient asking for SMS, and with nobody asking');
    r.notify = await notificationCost(ctx);
    log(`  p99 ${r.notify.with.run.latency.p99.toFixed(1)} / ${r.notify.without.run.latency.p99.toFixed(1)} ms; ${Math.round(r.notify.with.run.rps)} / ${Math.round(r.notify.without.run.rps)} req/s; ${r.notify.messages.written} messages written, ${r.notify.messages.delivered} delivered`);
  }
  if (chosen.has('live')) {
    await quiet();
    say('6 live updates, 1,000 sockets: one instance, then two instances via Redis');
    r.live = { one: await liveOneInstance(ctx), two: await liveTwoInstances(ctx) };
    log(`  all p99 ${r.live.one.all.p99.toFixed(1)} ms / ${r.live.two.all.p99.toFixed(1)} ms`);
  }
  r.load[1] = os.loadavg()[0]!;
  r.seconds = (Date.now() - started) / 1000;
  return r;
}

/** Everything about a run beside its rounds, taken when it starts (a saved run is re-rendered later, on another commit). */
interface RunInfo {
  date: string;
  loadBefore: number[];
  loadAfter: number[];
  totalSeconds: number;
  postgres: string;
  settings: Settings;
  /** Every scenario, 3+ rounds, not quick: a run fit for RESULTS.md. */
  full: boolean;
  commit: string;
  /** Uncommitted files under apps/ and packages/ when the run started (the working tree is what was built). */
  dirty: number;
  machine: string;
}

interface SavedRun {
  info: RunInfo;
  rounds: Round[];
}

function markdown({ rounds, info }: SavedRun): string {
  const s = info.settings;
  const list = figures(rounds, s);
  const { commit, dirty } = info;
  const load = (l: number[]) => l.map((n) => n.toFixed(2)).join(' / ');
  return `# Smart Token — benchmark results

Generated by \`npm run bench\` (bench/src/run.ts) on ${info.date}; the whole run took ${Math.round(info.totalSeconds / 60)} min (${info.totalSeconds.toFixed(0)} s). The server changes; this is one measurement of one commit. One scenario, quickly: \`npm run bench -- --only=depth --runs=1 --quick\` (scenarios: tokens, call-next, status, depth, aged, pg, live, audit, notify; see the top of bench/src/run.ts). Why the figures are what they are: bench/FINDINGS.md.

- **Commit measured**: ${commit}${dirty > 0 ? ` plus ${dirty} uncommitted file(s) under apps/ and packages/ (the working tree is what was built)` : ' (clean working tree under apps/ and packages/)'}; built \`apps/server/dist/server.js\`, one child process per scenario.
- **Machine**: ${info.machine}. The load generator, the server(s), PostgreSQL and Redis share these cores, and other work on the machine (other agents' builds and tests) comes and goes.
- **Load average** (1/5/15 min) before: ${load(info.loadBefore)}; after: ${load(info.loadAfter)}; each round's 1-minute figure at its start and end is in the per-round table.
- **Server**: ${SERVER_ENV_DESCRIPTION}. SQLite scenarios on a fresh file per scenario (WAL, synchronous=FULL); PostgreSQL: ${info.postgres}; Redis on 127.0.0.1.
- **Method**: ${rounds.length} rounds; each round runs every scenario once, in order, each baseline next to the scenario it is compared with (raw SQLite inserts before and after 1; bare Fastify before and after 3; raw PostgreSQL inserts before and after 7; 8's audit on and off, and 9's messages asked for and not, twice each in the order on, off, off, on), so a burst of other work moves both sides of a ratio; before each scenario the kernel's dirty pages are synced and PostgreSQL checkpointed, so what one scenario wrote is not flushed during the next. Each figure is the **median of the rounds, with the range (min–max)**; a ratio is taken within each round, then its median. The verdict is on the median; INVALID when any round failed a request or a check.
- **Load**: autocannon 8 in the harness process (no workers), ${s.connections} connections, ${s.durationS} s measured after ${s.warmupS} s of warm-up; depth scenarios ${s.depthConnections} connection, ${s.depthDurationS} s each. Latencies are each request's own hrtime-measured time. Server CPU is read from /proc/<pid>/stat over each measured run (both servers summed for two instances) and divided by the 2xx answers.
- **Lines**: scenarios 2 and 4 write their line into the SQLite file with no server running (bench/src/prefill.ts, checked before commit against a token the server issued over HTTP), then start the server, as after a restart. Scenario 7 does the same in PostgreSQL before its instances start; its POST /tokens run issues into another department.

## Figures

${figureTable(list)}

### Per round

${perRoundTable(list, rounds)}

## Gaps

${gaps(rounds, list)}

## Details

${detailTable(rounds)}

\`CPU cores server / client\`: cores used during the run by the server process(es) and by the harness running autocannon; 1.00 is one core flat out.

${notes(rounds)}

### Memory

${memoryTable(rounds)}

## Live updates (WebSocket)

${liveTable(rounds)}
`;
}

function render(saved: SavedRun): void {
  const { rounds, info } = saved;
  const list = figures(rounds, info.settings);
  process.stdout.write(`\n${figureTable(list)}\n\n${perRoundTable(list, rounds)}\n\n${detailTable(rounds)}\n\n${notes(rounds)}\n\n${memoryTable(rounds)}\n\n${liveTable(rounds)}\n\n${gaps(rounds, list)}\n`);
  if (info.full) {
    writeFileSync(RESULTS_FILE, markdown(saved));
    log(`wrote ${RESULTS_FILE}`);
  } else {
    log('partial or quick run: RESULTS.md left as it was');
  }
}

async function main(): Promise<void> {
  const reportFrom = option('report', 'BENCH_REPORT');
  if (reportFrom) {
    // Re-renders a saved run (after a change to the report only) without measuring again.
    render(JSON.parse(readFileSync(reportFrom, 'utf8')) as SavedRun);
    return;
  }
  const runId = `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const root = join(BENCH_DIR, '.tmp', runId);
  mkdirSync(root, { recursive: true });
  const cleanUp = () => rmSync(root, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    const cpus = os.cpus();
    const info: RunInfo = {
      date: new Date().toISOString(),
      loadBefore: os.loadavg(),
      loadAfter: [],
      totalSeconds: 0,
      postgres: chosen.has('pg') || chosen.has('live') ? await pgSettings(PG_ADMIN_URL) : '',
      settings: SETTINGS,
      full,
      commit: git(['log', '-1', '--format=%h %s']),
      dirty: git(['status', '--porcelain', '--', 'apps', 'packages']).split('\n').filter(Boolean).length,
      machine: `${os.availableParallelism()} CPUs (${cpus[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, ${os.type()} ${os.release()} ${os.arch()}; Node ${process.version}`,
    };
    const ctx: Context = { settings: SETTINGS, jwtSecret: newJwtSecret(), newDir: newDirFactory(root), servers: [] };
    log(`${quick ? 'QUICK ' : ''}${runs} round(s) of ${[...chosen].join(', ')} in ${root}`);
    const rounds: Round[] = [];
    for (let i = 1; i <= runs; i++) {
      rounds.push(await round(ctx, i));
      log(`round ${i} took ${rounds.at(-1)!.seconds.toFixed(0)} s`);
    }
    info.loadAfter = os.loadavg();
    info.totalSeconds = (Date.now() - startedAt) / 1000;
    writeFileSync(LAST_RUN_FILE, JSON.stringify({ info, rounds } satisfies SavedRun));
    log(`saved the measurements in ${LAST_RUN_FILE} (re-render with --report=${LAST_RUN_FILE})`);
    render({ info, rounds });
    log(`done in ${info.totalSeconds.toFixed(0)} s`);
  } finally {
    cleanUp();
  }
}

await main();
