import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, openSqlite } from './database.js';
import { LAST_RESORT_PAGES, RESTART_AFTER_PAGES, checkpointInBackground } from './wal-checkpointer.js';

describe('the WAL checkpointer', () => {
  const root = mkdtempSync(join(tmpdir(), 'smart-token-wal-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A database whose checkpointer looks every 20 ms, with a table of blobs to write. */
  async function blobTable(name: string) {
    const path = join(root, name);
    const problems: string[] = [];
    const database = createDatabase({ kind: 'sqlite', path }, { checkpointIntervalMs: 20, onBackgroundProblem: (message) => problems.push(message) });
    await sql`create table t (id integer primary key, v blob not null)`.execute(database.db);
    const insert = (blob: Buffer) => database.transact((trx) => sql`insert into t (v) values (${blob})`.execute(trx));
    return { path, database, insert, problems };
  }

  it('keeps the WAL small from a thread of its own, and the file is whole and without a WAL after close', async () => {
    const { path, database, insert } = await blobTable('checkpointed.db');
    const blob = randomBytes(256 * 1024);
    const writes = 80;
    for (let i = 0; i < writes; i++) {
      await insert(blob);
      await sleep(40);
    }
    // 20 MB went through the WAL: the server's connection checkpoints only past LAST_RESORT_PAGES
    // (40 MB), and SQLite's own default would have let it reach 4 MB; the worker kept it at a few writes.
    expect(writes * blob.length).toBeLessThan(LAST_RESORT_PAGES * 4096);
    expect(statSync(`${path}-wal`).size).toBeLessThan(2 * 1024 * 1024);
    await database.close();
    expect(existsSync(`${path}-wal`)).toBe(false);

    const again = createDatabase({ kind: 'sqlite', path });
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(again.db);
    expect(rows[0]!.n).toBe(writes);
    await again.close();
  });

  it('starts the WAL again from its beginning under steady writes, when a copy alone never finds it whole', async () => {
    const { path, database, insert, problems } = await blobTable('steady.db');
    const blob = randomBytes(16 * 1024);
    let written = 0;
    let largest = 0;
    const until = performance.now() + 3000;
    // Writes with a millisecond between them, as requests' commits come under load.
    while (performance.now() < until) {
      await insert(blob);
      written += blob.length;
      largest = Math.max(largest, statSync(`${path}-wal`).size);
      await sleep(1);
    }
    expect(written).toBeGreaterThan(2 * RESTART_AFTER_PAGES * 4096);
    // Past RESTART_AFTER_PAGES the worker restarts it at its next free moment: a few ticks' writes more.
    expect(largest).toBeLessThan(2 * RESTART_AFTER_PAGES * 4096);
    // The thread ran throughout: nothing to log.
    expect(problems).toEqual([]);
    await database.close();
  });

  it('reports a checkpoint thread that could not start', async () => {
    const problems: string[] = [];
    const sqlite = openSqlite(':memory:');
    const checkpointer = checkpointInBackground(sqlite, join(root, 'missing', 'gone.db'), 20, (message) => problems.push(message));
    await expect.poll(() => problems).toEqual([expect.stringMatching(/^the WAL checkpoint thread stopped; .*directory does not exist/)]);
    await checkpointer.stop();
    sqlite.close();
  });
});
