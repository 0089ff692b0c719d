import { closeSync, openSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { BackupRefusedError, FILE_MODE } from './backup-file.js';

/**
 * `VACUUM INTO` on a connection of its own, in a worker thread: one read transaction, so the copy
 * is consistent while the server keeps writing (WAL lets a reader and the writer run together), it
 * never restarts as the page-by-page backup API does when another connection writes, and the copy
 * is compacted (freed pages, which may still hold erased values, are left behind). In a worker
 * because the statement is synchronous: on the server's thread it would hold every request for as
 * long as the copy takes.
 */
const SNAPSHOT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.source, { fileMustExist: true, timeout: workerData.busyTimeoutMs });
try {
  db.prepare('VACUUM INTO ?').run(workerData.target);
} finally {
  db.close();
}
parentPort.postMessage('done');
`;

const BUSY_TIMEOUT_MS = 5000;
const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

/** Copies the live SQLite database at `source` into the new file `target` (0600). */
export async function snapshotSqlite(source: string, target: string, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  // VACUUM INTO accepts an empty file: made first, so the copy is never readable by others.
  closeSync(openSync(target, 'wx', FILE_MODE));
  const worker = new Worker(SNAPSHOT_WORKER, { eval: true, workerData: { driver: driverPath, source, target, busyTimeoutMs: BUSY_TIMEOUT_MS } });
  const abort = () => void worker.terminate();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      let done = false;
      worker.once('message', () => (done = true));
      worker.once('error', reject);
      worker.once('exit', (code) => (done ? resolve() : reject(new Error(signal?.aborted ? 'the backup was stopped' : `the SQLite copy stopped (worker exit ${code})`))));
    });
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/**
 * Refuses while another connection has the database open (a running server): every connection to
 * a WAL database holds a shared lock on it, so an exclusive lock is granted only when there is none.
 * A missing file (a lost database) has no connections.
 */
export function assertSqliteUnused(path: string): void {
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(path, { fileMustExist: true, timeout: 0 });
  } catch {
    return;
  }
  try {
    sqlite.pragma('locking_mode = EXCLUSIVE');
    sqlite.exec('BEGIN EXCLUSIVE');
    sqlite.exec('COMMIT');
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new BackupRefusedError(`the database ${path} is in use (a server or another command has it open): stop every server using it, then restore`);
    }
    throw error;
  } finally {
    sqlite.close();
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Puts the verified copy in the live database's place: the old -wal and -shm go first (SQLite
 * would replay a stale WAL onto the new file), then one rename, atomic on the same file system.
 */
export async function replaceSqliteFile(copy: string, live: string): Promise<void> {
  await fsyncPath(copy);
  await rm(`${live}-wal`, { force: true });
  await rm(`${live}-shm`, { force: true });
  await rename(copy, live);
  await fsyncPath(dirname(live)).catch(() => undefined);
}
