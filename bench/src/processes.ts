import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, fstatSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built server, exactly what `npm start` runs. */
export const SERVER_ENTRY = fileURLToPath(new URL('../../apps/server/dist/server.js', import.meta.url));
/** The bare Fastify baseline, compiled next to this file. */
export const BARE_ENTRY = fileURLToPath(new URL('./bare-server.js', import.meta.url));

export const ADMIN_EMAIL = 'bench-admin@example.org';
export const ADMIN_PASSWORD = 'bench-admin-password-0123';
/** The clinic's zone is fixed so the bench and the server agree on the local day of a token. */
export const QUEUE_TIME_ZONE = 'Asia/Kolkata';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 50;
/** How much of a child's log is read back: enough for its address and for the end of an error. */
const LOG_HEAD_BYTES = 64 * 1024;
const LOG_TAIL_BYTES = 16 * 1024;

/** Every child still running; killed if the harness dies half-way so no server outlives it. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Memory {
  /** Resident set now (VmRSS), MB. */
  rssMb: number;
  /** Peak resident set over the process's life (VmHWM), MB. */
  peakMb: number;
}

export interface ChildHandle {
  url: string;
  pid: number;
  /** The start and the end of what the child wrote (its log), for error messages. */
  output(): string;
  /** Bytes the child has written to its log so far. */
  logBytes(): number;
  memory(): Memory;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(/(\d+)\s*kB/.exec(status.split('\n').find((l) => l.startsWith(field)) ?? '')?.[1] ?? NaN);
  return { rssMb: kb('VmRSS:') / 1024, peakMb: kb('VmHWM:') / 1024 };
}

function readSlice(file: string, from: 'head' | 'tail', bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(bytes, size);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, from === 'head' ? 0 : size - length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const fileSize = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/**
 * Node's flags as `npm start` (package.json) gives them to the server (bench/FINDINGS.md, 3 Dec):
 * young generation semi-spaces of 8 MB instead of 16 (10–25 MB less RSS, figures 1 and 2
 * unchanged), and an old space that grows to 1.5 times what the last full collection kept instead
 * of V8's own factor (up to 4 times under a high allocation rate): 40–55 MB less RSS.
 */
const NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50'];

/**
 * Starts a Node child on port 0 and waits for the line that names its address, then for `readyPath`
 * to answer 200. Port 0 avoids the race of picking a free port first.
 *
 * The child writes its stdout and stderr (its log, at whatever LOG_LEVEL `env` gives) straight into
 * `logFile`, as a server logging to a file would: nothing in the harness reads every line, so the
 * log costs the server what it costs in production and takes no CPU from the load generator. The
 * file is deleted when the child stops; its size is kept (see `logBytes`).
 */
export async function startChild(entry: string, env: Record<string, string>, readyPath: string, logFile: string): Promise<ChildHandle> {
  const fd = openSync(logFile, 'w');
  // BENCH_PROFILE_DIR: each child writes a V8 CPU profile there when it stops (where a figure's CPU goes).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...NODE_FLAGS, ...profile, entry], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  let finalBytes: number | undefined;
  let finalOutput: string | undefined;
  const output = () => {
    if (finalOutput !== undefined) return finalOutput;
    const size = fileSize(logFile);
    if (size <= LOG_HEAD_BYTES + LOG_TAIL_BYTES) return readSlice(logFile, 'head', size);
    return `${readSlice(logFile, 'head', LOG_HEAD_BYTES / 16)}\n[… ${size} bytes in all …]\n${readSlice(logFile, 'tail', LOG_TAIL_BYTES)}`;
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let url: string | undefined;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${entry} exited early: ${output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} did not become ready in ${READY_TIMEOUT_MS} ms: ${output()}`);
    }
    url ??= /(http:\/\/127\.0\.0\.1:\d+)/.exec(readSlice(logFile, 'head', LOG_HEAD_BYTES))?.[1];
    if (url) {
      try {
        const res = await fetch(`${url}${readyPath}`);
        if (res.ok) break;
      } catch {
        // listening is announced just before the socket accepts; try again
      }
    }
    await sleep(POLL_MS);
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    output,
    logBytes: () => finalBytes ?? fileSize(logFile),
    memory: () => readMemory(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      if (finalOutput === undefined) {
        finalOutput = output();
        finalBytes = fileSize(logFile);
        rmSync(logFile, { force: true });
      }
    },
  };
}

export interface ServerOptions {
  /** Folder for this server's SQLite file, data and log (a fresh folder per scenario). */
  dir: string;
  jwtSecret: string;
  /** A postgres:// URL instead of the SQLite file in `dir`. */
  databaseUrl?: string;
  redisUrl?: string;
  /** Tells apart the logs of several servers sharing `dir`. */
  name?: string;
}

export const dbFileIn = (dir: string): string => join(dir, 'smart-token.db');

/** A JWT secret for one bench run: 48 random bytes, more than the 32 the server requires. */
export const newJwtSecret = (): string => randomBytes(48).toString('base64url');

/**
 * The server's environment, as an operator would run it: production, the default log level
 * (LOG_LEVEL unset = info, so every request is logged), a SQLite file in `dir` unless a PostgreSQL
 * URL is given. Only the per-minute rate limits and the per-address caps on connections and live
 * sockets are raised out of the way of the load: every simulated phone and board comes from 127.0.0.1.
 */
export function serverEnv(options: ServerOptions): Record<string, string> {
  return {
    NODE_ENV: 'production',
    ALLOWED_HOSTS: '127.0.0.1,localhost',
    DATABASE_URL: options.databaseUrl ?? `sqlite:${dbFileIn(options.dir)}`,
    DATA_DIR: options.dir,
    JWT_SECRET: options.jwtSecret,
    // Production requires them; derived from the run's JWT secret so every server of a run (two instances) shares them.
    MASTER_KEY: `master-${options.jwtSecret}`,
    AUDIT_KEY: `audit-${options.jwtSecret}`,
    RATE_LIMIT_MULTIPLIER: '100000',
    CONNECTIONS_PER_ADDRESS: '100000',
    LIVE_SOCKETS_PER_ADDRESS: '100000',
    TZ_QUEUE: QUEUE_TIME_ZONE,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ...(options.redisUrl !== undefined && { REDIS_URL: options.redisUrl }),
    // BENCH_PG_POOL_SIZE: PostgreSQL connections per server, to size the pool (the server's default otherwise).
    ...(options.databaseUrl !== undefined && process.env.BENCH_PG_POOL_SIZE && { DATABASE_POOL_SIZE: process.env.BENCH_PG_POOL_SIZE }),
  };
}

/** What RESULTS.md says about how the servers ran (kept beside serverEnv so the two agree). */
export const SERVER_ENV_DESCRIPTION =
  '`NODE_ENV=production RATE_LIMIT_MULTIPLIER=100000 CONNECTIONS_PER_ADDRESS=100000 LIVE_SOCKETS_PER_ADDRESS=100000` (every simulated client shares 127.0.0.1), LOG_LEVEL unset (info: every request logged, to a file)';

/** The built Smart Token server (a child process, as `npm start` runs it). */
export function startSmartToken(options: ServerOptions): Promise<ChildHandle> {
  return startChild(SERVER_ENTRY, serverEnv(options), '/readyz', join(options.dir, `${options.name ?? 'server'}.log`));
}

/** The bare Fastify baseline app (no logger: it is the framework's ceiling). */
export function startBareFastify(dir: string): Promise<ChildHandle> {
  return startChild(BARE_ENTRY, {}, '/ready', join(dir, 'bare.log'));
}
