import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 50;

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
  output(): string;
  memory(): Memory;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(/(\d+)\s*kB/.exec(status.split('\n').find((l) => l.startsWith(field)) ?? '')?.[1] ?? NaN);
  return { rssMb: kb('VmRSS:') / 1024, peakMb: kb('VmHWM:') / 1024 };
}

/**
 * Starts a Node child on port 0 and waits for the line that names its address, then for `readyPath`
 * to answer 200. Port 0 avoids the race of picking a free port first.
 */
export async function startChild(entry: string, env: Record<string, string>, readyPath: string): Promise<ChildHandle> {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let url: string | undefined;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${entry} exited early: ${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} did not become ready in ${READY_TIMEOUT_MS} ms: ${output}`);
    }
    url ??= /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
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
    output: () => output,
    memory: () => readMemory(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ServerOptions {
  /** Folder for this server's SQLite file and data (a fresh temp folder per scenario). */
  dir: string;
  jwtSecret: string;
}

export const dbFileIn = (dir: string): string => join(dir, 'smart-token.db');

/** A JWT secret for one bench run: 48 random bytes, more than the 32 the server requires. */
export const newJwtSecret = (): string => randomBytes(48).toString('base64url');

/** The server's environment: a SQLite file in `dir`, the rate limits raised out of the way. */
export function serverEnv(options: ServerOptions): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: `sqlite:${dbFileIn(options.dir)}`,
    DATA_DIR: options.dir,
    JWT_SECRET: options.jwtSecret,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MULTIPLIER: '100000',
    TZ_QUEUE: QUEUE_TIME_ZONE,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
  };
}

/** The built Smart Token server (a child process, as `npm start` runs it). */
export function startSmartToken(options: ServerOptions): Promise<ChildHandle> {
  return startChild(SERVER_ENTRY, serverEnv(options), '/readyz');
}

/** The bare Fastify baseline app. */
export function startBareFastify(): Promise<ChildHandle> {
  return startChild(BARE_ENTRY, {}, '/ready');
}
