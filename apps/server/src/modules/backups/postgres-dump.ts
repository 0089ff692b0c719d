import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { BackupRefusedError } from './backup-file.js';

/**
 * PostgreSQL's own tools do the copying: `pg_dump --format=custom` (a consistent snapshot, taken
 * while the server runs) and `pg_restore`, piped into `psql` in one transaction. They come with
 * the server's client package; their major version must be the server's.
 */

/** Lines of a tool's error output kept for the message. */
const STDERR_TAIL_LINES = 3;

/**
 * A connection URL without its password, and the environment that carries the password: on a
 * tool's command line it would be readable by every user of the machine (`ps`).
 */
export function toolConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.toString(), env: { ...process.env, ...(password && { PGPASSWORD: password }) } };
}

/** The URL of another database on the same server. */
export function databaseUrlOn(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

interface Run {
  done: Promise<void>;
  stdout: NodeJS.ReadableStream | null;
  stdin: NodeJS.WritableStream | null;
}

function run(tool: string, args: string[], env: NodeJS.ProcessEnv, io: { stdin?: boolean; stdout?: boolean; signal?: AbortSignal | undefined } = {}): Run {
  const child = spawn(tool, args, { env, stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', 'pipe'], ...(io.signal && { signal: io.signal }) });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const done = (async () => {
    let code: number | null;
    try {
      [code] = (await once(child, 'close')) as [number | null];
    } catch (error) {
      const missing = (error as { code?: string }).code === 'ENOENT';
      throw new Error(missing ? `${tool} is not installed (or not on PATH): install PostgreSQL's client tools of the server's version` : `${tool} did not run: ${(error as Error).message}`);
    }
    if (code !== 0) {
      const tail = stderr.trim().split('\n').slice(-STDERR_TAIL_LINES).join(' | ');
      throw new Error(`${tool} failed (exit ${code ?? 'signal'}): ${tail || 'no message'}`);
    }
  })();
  // The child's 'error' (not installed) is reported by `done`; this keeps it from also being thrown.
  child.on('error', () => undefined);
  return { done, stdout: child.stdout, stdin: child.stdin };
}

async function toolOutput(tool: string, args: string[]): Promise<string> {
  const child = run(tool, args, process.env, { stdout: true });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await child.done;
  return text;
}

/** `pg_dump (PostgreSQL) 15.20 (Debian …)` → 15; `server_version_num` 150020 → 15. */
export const majorOfToolVersion = (text: string): number | undefined => {
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
};
export const majorOfServerVersion = (versionNum: number): number => Math.floor(versionNum / 10_000);

/** Refuses, naming both versions, when a tool's major version is not the server's. */
export async function assertToolMatchesServer(tool: 'pg_dump' | 'pg_restore', serverVersionNum: number): Promise<void> {
  const text = await toolOutput(tool, ['--version']);
  const major = majorOfToolVersion(text);
  const server = majorOfServerVersion(serverVersionNum);
  if (major !== server) {
    throw new BackupRefusedError(`${tool} is version ${major ?? `unknown ("${text.trim().slice(0, 60)}")`} but the PostgreSQL server is version ${server}: install the client tools of version ${server} (their ${tool} must match the server)`);
  }
}

/** Dumps the database as of `snapshot` (exported by a transaction kept open meanwhile) into `target`. */
export async function pgDump(url: string, snapshot: string, target: string, signal?: AbortSignal): Promise<void> {
  const { dbname, env } = toolConnection(url);
  await run('pg_dump', ['--format=custom', `--snapshot=${snapshot}`, `--file=${target}`, `--dbname=${dbname}`], env, { signal }).done;
}

/**
 * Replaces everything in the database's public schema with the dump, in one transaction: a
 * failure anywhere leaves the database as it was. The schema is made again as PostgreSQL makes it
 * (owned by the database's owner, usable by all), and the dump's objects become the restoring
 * user's (the dump's owners may not exist on this server).
 */
export async function pgRestoreReplacing(url: string, dumpPath: string): Promise<void> {
  const { dbname, env } = toolConnection(url);
  const psql = run('psql', ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', '--single-transaction', '--file=-', `--dbname=${dbname}`], env, { stdin: true });
  const restore = run('pg_restore', ['--no-owner', '--no-privileges', '--file=-', dumpPath], env, { stdout: true });
  psql.stdin!.write('DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public AUTHORIZATION pg_database_owner;\nGRANT USAGE ON SCHEMA public TO PUBLIC;\n');
  const piped = pipeline(restore.stdout!, psql.stdin!);
  // psql's own failure explains a broken pipe better than the pipe does.
  const results = await Promise.allSettled([psql.done, restore.done, piped]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
