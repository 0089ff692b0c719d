import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/**
 * SQLite copies the WAL's pages back into the database file (a checkpoint) on the connection that
 * commits, whenever the WAL has passed 1,000 pages: with synchronous=FULL that is a copy and two
 * fsyncs on the server's one thread, and every request waits behind them (better-sqlite3 is
 * synchronous). Here a worker thread with a connection of its own does the copying instead, every
 * few hundred milliseconds, PASSIVE: it neither waits for the writer nor holds it up.
 *
 * Under steady writes a PASSIVE checkpoint never finds the WAL whole (pages arrive while it copies),
 * so the writer never starts the WAL from its beginning and the file grows, each commit's sync then
 * extending it (a WAL of 34 MB in the first run of bench 8 with PASSIVE alone). So once the WAL
 * passes RESTART_AFTER_PAGES the worker asks for a RESTART right after its copy, without waiting
 * (busy timeout 0): it takes the writer's lock only when it is free, copies the few pages written
 * since, and the next write starts the WAL again from its beginning; when the server is writing it
 * answers busy and the worker tries again at its next tick. The server's connection still
 * checkpoints by itself past LAST_RESORT_PAGES (the worker stopped, or never found the lock free).
 */
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.path, { fileMustExist: true, timeout: 0 });
// The checkpoint syncs the WAL before copying and the database file before the WAL may be reused.
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
  try {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    if (log >= workerData.restartAfterPages) db.pragma('wal_checkpoint(RESTART)');
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

const DEFAULT_INTERVAL_MS = 200;
/** A WAL this long (4 MB) is started again from its beginning when the writer's lock is free. */
export const RESTART_AFTER_PAGES = 1000;
/** 10,000 pages of 4 KiB: 40 MB of WAL before the server's own connection steps in. */
export const LAST_RESORT_PAGES = 10_000;
const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
/** The worker's heap: it holds one connection and a timer. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 };

export interface WalCheckpointer {
  /** Stops the worker and closes its connection (before the server's own closes, which then checkpoints the rest). */
  stop(): Promise<void>;
}

/**
 * Moves the checkpoints of the WAL database at `path` (opened by `sqlite`) off this thread.
 * `onProblem` hears of a worker that stopped (it could not open the file, or ran out of its heap):
 * nothing is lost, but the server's own thread then does the copying, and whoever runs it should
 * know why it slowed down.
 */
export function checkpointInBackground(sqlite: SQLite.Database, path: string, intervalMs = DEFAULT_INTERVAL_MS, onProblem: (message: string) => void = () => undefined): WalCheckpointer {
  sqlite.pragma(`wal_autocheckpoint = ${LAST_RESORT_PAGES}`);
  const worker = new Worker(CHECKPOINT_WORKER, { eval: true, workerData: { driver: driverPath, path, intervalMs, restartAfterPages: RESTART_AFTER_PAGES }, resourceLimits: WORKER_LIMITS });
  // A failed checkpoint is tried again at the next tick (the server's own writes meet whatever made it fail).
  worker.on('message', () => undefined);
  worker.on('error', (error) => onProblem(`the WAL checkpoint thread stopped; the server's own connection now checkpoints past ${LAST_RESORT_PAGES} pages of WAL: ${String(error)}`));
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Held until it has closed: an unreferenced worker would let a process with nothing else to do
      // exit in the middle of this await (a CLI command closing its database).
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
