import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { load, type LoadResult } from './load.js';
import { createDatabase, dropDatabase } from './postgres.js';
import { startBareFastify, type Memory } from './processes.js';

/** A payload about the size of a token row, so the insert writes a comparable amount per commit. */
const ROW_PAYLOAD = 'x'.repeat(200);

export interface RawResult {
  txPerSecond: number;
  transactions: number;
}

/**
 * The disk's ceiling for durable single-row commits: the same settings the server opens SQLite with
 * (WAL, synchronous=FULL), one BEGIN/INSERT/COMMIT per row, on the same file system.
 */
export function rawDurableInserts(dir: string, seconds: number): RawResult {
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

/**
 * PostgreSQL's ceiling for durable single-row inserts on this machine: `clients` connections at once,
 * each sending one prepared INSERT at a time, each its own transaction (autocommit), with the
 * server's synchronous_commit as configured — so concurrent commits may share a WAL flush, as the
 * server's own transactions may.
 */
export async function rawPgInserts(adminUrl: string, clients: number, seconds: number): Promise<RawResult> {
  const { name, url } = await createDatabase(adminUrl, 'raw');
  const connections: pg.Client[] = [];
  try {
    for (let i = 0; i < clients; i++) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      connections.push(client);
    }
    await connections[0]!.query('create table rows (id text primary key, payload text not null, created_at bigint not null)');
    const insert = { name: 'raw-insert', text: 'insert into rows (id, payload, created_at) values ($1, $2, $3)' };
    const started = process.hrtime.bigint();
    const until = started + BigInt(Math.round(seconds * 1e9));
    let transactions = 0;
    await Promise.all(
      connections.map(async (client) => {
        while (process.hrtime.bigint() < until) {
          await client.query({ ...insert, values: [randomUUID(), ROW_PAYLOAD, Date.now()] });
          transactions++;
        }
      }),
    );
    const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
    return { txPerSecond: transactions / elapsedS, transactions };
  } finally {
    await Promise.all(connections.map((c) => c.end()));
    await dropDatabase(adminUrl, name);
  }
}

export interface BareResult {
  post: LoadResult;
  memory: Memory;
}

/** A bare Fastify endpoint under the same autocannon settings as the scenarios it is compared with. */
export async function bareFastify(dir: string, settings: { connections: number; durationS: number; warmupS: number }): Promise<BareResult> {
  const server = await startBareFastify(dir);
  try {
    const post = {
      method: 'POST' as const,
      path: '/status',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'GEN-004', phoneLast4: '1234' }),
    };
    const targets = [{ url: server.url, pid: server.pid }];
    await load({ targets, connections: settings.connections, durationS: settings.warmupS, requests: [post] });
    const postResult = await load({ targets, connections: settings.connections, durationS: settings.durationS, requests: [post] });
    return { post: postResult, memory: server.memory() };
  } finally {
    await server.stop();
  }
}
