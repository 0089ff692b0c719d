import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { load, type LoadResult } from './load.js';
import { startBareFastify, type Memory } from './processes.js';

/** A payload about the size of a token row, so the insert writes a comparable amount per commit. */
const ROW_PAYLOAD = 'x'.repeat(200);

/**
 * The disk's ceiling for durable single-row commits: the same settings the server opens SQLite with
 * (WAL, synchronous=FULL), one BEGIN/INSERT/COMMIT per row, on the same file system.
 */
export function rawDurableInserts(dir: string, seconds: number): { txPerSecond: number; transactions: number } {
  const db = new SQLite(join(dir, 'raw-baseline.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('create table rows (id text primary key, payload text not null, created_at integer not null)');
    const begin = db.prepare('begin immediate');
    const insert = db.prepare('insert into rows (id, payload, created_at) values (?, ?, ?)');
    const commit = db.prepare('commit');
    const started = process.hrtime.bigint();
    const until = started + BigInt(Math.round(seconds * 1e9));
    let transactions = 0;
    let now = started;
    while (now < until) {
      begin.run();
      insert.run(randomUUID(), ROW_PAYLOAD, Date.now());
      commit.run();
      transactions++;
      now = process.hrtime.bigint();
    }
    return { txPerSecond: transactions / (Number(now - started) / 1e9), transactions };
  } finally {
    db.close();
  }
}

export interface BareResult {
  post: LoadResult;
  get: LoadResult | undefined;
  memory: Memory;
}

/** A bare Fastify endpoint under the same autocannon settings as the scenarios it is compared with. */
export async function bareFastify(settings: { connections: number; durationS: number; warmupS: number }, withGet: boolean): Promise<BareResult> {
  const server = await startBareFastify();
  try {
    const post = {
      method: 'POST' as const,
      path: '/status',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'GEN-004', phoneLast4: '1234' }),
    };
    await load({ url: server.url, connections: settings.connections, durationS: settings.warmupS, requests: [post] });
    const postResult = await load({ url: server.url, serverPid: server.pid, connections: settings.connections, durationS: settings.durationS, requests: [post] });
    const getResult = withGet
      ? await load({ url: server.url, serverPid: server.pid, connections: settings.connections, durationS: settings.durationS, requests: [{ method: 'GET', path: '/status' }] })
      : undefined;
    return { post: postResult, get: getResult, memory: server.memory() };
  } finally {
    await server.stop();
  }
}
