/**
 * Scenario 7: POST /tokens and call-next on PostgreSQL, one instance alone and two instances on the
 * same PostgreSQL with Redis, the load split evenly between them. As on SQLite, call-next works
 * through a line written into the database before the instances start (see line.ts).
 */
import { Api } from './api.js';
import { issueRequests, stopRecorded, targetsOf, waitingCount, type Context } from './harness.js';
import { prepareLine } from './line.js';
import { load, type LoadResult } from './load.js';
import { createDatabase, databaseStats, dropDatabase, PG_ADMIN_URL, REDIS_URL, sampleWaits, type DatabaseStats, type WaitProfile } from './postgres.js';
import { startSmartToken, type ChildHandle } from './processes.js';
import { measureCalls, type CallNextResult } from './scenarios.js';

export interface PgResult {
  instances: number;
  tokens: LoadResult;
  calls: CallNextResult;
  /** The scenario's database over the whole scenario (setup, pre-fill and warm-ups included). */
  database: DatabaseStats;
  /** What the database's busy sessions were doing during each measured run. */
  waits: { tokens: WaitProfile; calls: WaitProfile };
}

export async function postgresScenario(ctx: Context, instances: 1 | 2): Promise<PgResult> {
  const { connections, durationS, warmupS } = ctx.settings;
  const label = instances === 1 ? 'one' : 'two';
  const name = `7 PostgreSQL, ${instances} instance${instances > 1 ? 's' : ''}`;
  const db = await createDatabase(PG_ADMIN_URL, label);
  const dir = ctx.newDir(`s7-pg-${label}`);
  const servers: ChildHandle[] = [];
  const serverName = (i: number) => `${name}${instances > 1 ? ` (${'AB'[i]})` : ''}`;
  let ok = false;
  try {
    const line = await prepareLine(ctx, name, dir, { name: 'Outpatients', code: 'OPD', counters: 8, depth: ctx.settings.callNextDepth, databaseUrl: db.url });
    // One at a time, so the first runs the migrations and the second finds them done.
    for (let i = 0; i < instances; i++) {
      servers.push(await startSmartToken({ dir, jwtSecret: ctx.jwtSecret, databaseUrl: db.url, name: `pg-${label}-${i}`, ...(instances > 1 && { redisUrl: REDIS_URL }) }));
    }
    const api = await Api.login(servers[0]!.url);
    const warmDept = await api.createDepartment('Warm-up', 'WARM');
    const dept = await api.createDepartment('General Medicine', 'GEN');
    const targets = targetsOf(...servers);
    await load({ targets, connections, durationS: warmupS, requests: issueRequests(api, warmDept.id, { idempotencyKey: true }), uniqueIds: true });
    const tokenWaits = await sampleWaits(PG_ADMIN_URL, db.name);
    const tokens = await load({ targets, connections, durationS, requests: issueRequests(api, dept.id, { idempotencyKey: true }), uniqueIds: true });
    const waits = { tokens: await tokenWaits.stop(), calls: {} };
    const waiting = await waitingCount(api, line.departmentId);
    if (waiting !== ctx.settings.callNextDepth) throw new Error(`expected ${ctx.settings.callNextDepth} waiting after the pre-fill, found ${waiting}`);
    const callWaits = await sampleWaits(PG_ADMIN_URL, db.name);
    const calls = { prefill: line.prefill, ...(await measureCalls(ctx, servers, api, line.departmentId, line.counters)) };
    waits.calls = await callWaits.stop();
    for (const [i, s] of servers.entries()) await stopRecorded(ctx, serverName(i), s, true);
    ok = true;
    return { instances, tokens, calls, database: await databaseStats(PG_ADMIN_URL, db.name), waits };
  } catch (error) {
    for (const s of servers) await s.stop();
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}\n--- server output ---\n${servers.map((s) => s.output()).join('\n---\n')}`, { cause: error });
  } finally {
    if (!ok) for (const s of servers) await s.stop();
    await dropDatabase(PG_ADMIN_URL, db.name);
  }
}
