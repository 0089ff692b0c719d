import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the bench creates (and drops) its own databases; any database of the server will do. */
export const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function withAdmin<T>(adminUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database named st_bench_<label>_<random>; its URL points at it. */
export async function createDatabase(adminUrl: string, label: string): Promise<{ name: string; url: string }> {
  const name = `st_bench_${label}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (c) => c.query(`drop database if exists "${name}" with (force)`));
}

/** Writes what PostgreSQL holds in its buffers now, so a checkpoint does not fall in the next scenario. */
export async function checkpoint(adminUrl: string): Promise<void> {
  await withAdmin(adminUrl, (c) => c.query('checkpoint'));
}

/** The settings that decide what a durable commit costs, for RESULTS.md. */
export async function pgSettings(adminUrl: string): Promise<string> {
  return withAdmin(adminUrl, async (c) => {
    const version = (await c.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
    const show = async (name: string) => ((await c.query<Record<string, string>>(`show ${name}`)).rows[0] ?? {})[name] ?? '?';
    return `PostgreSQL ${version.split(' ')[0]} on 127.0.0.1 (same machine), synchronous_commit=${await show('synchronous_commit')}, fsync=${await show('fsync')}, wal_sync_method=${await show('wal_sync_method')}, commit_delay=${await show('commit_delay')}`;
  });
}

export interface DatabaseStats {
  commits: number;
  rollbacks: number;
  deadlocks: number;
}

/**
 * Transactions committed and rolled back in one database so far (a rolled-back transaction the
 * server retries shows here). Read after its clients have disconnected: backends report on exit.
 */
export async function databaseStats(adminUrl: string, name: string): Promise<DatabaseStats> {
  return withAdmin(adminUrl, async (c) => {
    const row = (await c.query<{ commits: string; rollbacks: string; deadlocks: string }>(
      'select xact_commit as commits, xact_rollback as rollbacks, deadlocks from pg_stat_database where datname = $1',
      [name],
    )).rows[0];
    return { commits: Number(row?.commits ?? NaN), rollbacks: Number(row?.rollbacks ?? NaN), deadlocks: Number(row?.deadlocks ?? NaN) };
  });
}

/** What the database's sessions were doing, as shares of all samples: "Lock/transactionid" → 0.62. */
export type WaitProfile = Record<string, number>;

const WAIT_SAMPLE_MS = 50;

/**
 * Samples pg_stat_activity for one database every 50 ms until stopped: how often its sessions were
 * running ("CPU" — active with no wait event), waiting on a lock, on the WAL flush, for the client
 * (idle in transaction: the server's next statement), and so on. Idle sessions are left out.
 */
export async function sampleWaits(adminUrl: string, name: string): Promise<{ stop(): Promise<WaitProfile> }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const counts = new Map<string, number>();
  let total = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const res = await client.query<{ state: string | null; wait_event_type: string | null; wait_event: string | null }>(
        `select state, wait_event_type, wait_event from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend' and state <> 'idle'`,
        [name],
      );
      for (const r of res.rows) {
        const key = r.state === 'idle in transaction' ? 'idle in transaction (waiting for the server)' : r.wait_event_type ? `${r.wait_event_type}/${r.wait_event}` : 'running (CPU)';
        counts.set(key, (counts.get(key) ?? 0) + 1);
        total++;
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_SAMPLE_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, n / Math.max(1, total)]));
    },
  };
}

/** "Lock/transactionid 62%, running (CPU) 20%, …" — the largest shares first. */
export const describeWaits = (profile: WaitProfile, top = 4): string =>
  Object.entries(profile)
    .slice(0, top)
    .map(([k, share]) => `${k} ${Math.round(share * 100)}%`)
    .join(', ');
