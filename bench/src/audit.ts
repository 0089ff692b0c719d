/**
 * 8. What the audit trail costs: POST /tokens and call-next on a server as it runs, and on the same
 * server with the trail's writes switched off in the database (triggers that drop every insert into
 * audit_pending, audit_entries and audit_records, so nothing is recorded and nothing is chained; on
 * SQLite a change chains its entry in its own transaction, and the off side still reads the chain's
 * head and computes the MAC, tens of microseconds), each twice in mirrored order.
 * Field encryption cannot be switched off; its cost is measured apart (8d).
 */
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { createDatabase } from '../../apps/server/dist/db/database.js';
import { migrateToLatest } from '../../apps/server/dist/db/migrate.js';
import { encryptValue } from '../../apps/server/dist/modules/keys/values.js';
import type { Context } from './harness.js';
import { dbFileIn } from './processes.js';
import type { Latency, LoadResult } from './load.js';
import { callNext, issueTokens, type CallNextResult, type TokensResult } from './scenarios.js';

export interface AuditCostResult {
  tokens: { with: TokensResult; without: TokensResult };
  calls: { with: CallNextResult; without: CallNextResult };
  /** 8d: CPU microseconds of the field encryption one POST /tokens does (measured in this process). */
  encryptionUsPerIssue: number;
}

/** What an issue encrypts: name, phone and last 4, the live event's payload and the idempotent answer; and two blind indexes. */
const ISSUE_VALUES = [
  ['Asha Rao Kumar', 'tokens.patient_name.'],
  ['+919812345678', 'tokens.phone_e164.'],
  ['5678', 'tokens.phone_last4.'],
  ['{"token":{"id":"01a2","number":"GEN-004","status":"waiting","patient":{"name":"Asha Rao Kumar","phoneLast4":"5678"}},"order":{"lane":1}}', 'live_events.payload.'],
  ['{"id":"01a2","number":"GEN-004","status":"waiting","patient":{"name":"Asha Rao Kumar","phoneLast4":"5678"},"statusUrl":"http://x/s/abc"}', 'idempotency_keys.body.'],
] as const;
const ENCRYPTION_SAMPLES = 20_000;

/** The server's own value encryption and a blind index's HMAC, timed per issue's worth of values. */
function encryptionUsPerIssue(): number {
  const key = createSecretKey(randomBytes(32));
  const indexKey = randomBytes(32);
  const started = process.hrtime.bigint();
  for (let i = 0; i < ENCRYPTION_SAMPLES; i++) {
    for (const [plain, aad] of ISSUE_VALUES) encryptValue('bench', key, plain, `${aad}${i}`);
    createHmac('sha256', indexKey).update('phone:+919812345678').digest('base64url');
    createHmac('sha256', indexKey).update('last4:5678').digest('base64url');
  }
  return Number(process.hrtime.bigint() - started) / 1000 / ENCRYPTION_SAMPLES;
}

/** Migrates the folder's database (when new) and makes it drop every audit write. */
async function withoutAuditTrail(dir: string): Promise<void> {
  const database = createDatabase({ kind: 'sqlite', path: dbFileIn(dir) });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  const db = new SQLite(dbFileIn(dir));
  try {
    for (const table of ['audit_pending', 'audit_entries', 'audit_records']) {
      db.exec(`create trigger if not exists bench_without_${table} before insert on ${table} begin select raise(ignore); end`);
    }
  } finally {
    db.close();
  }
}

/**
 * Two runs of one side as one: answers and time summed (so the rate is the pair's), CPU weighted by
 * time; the latency figures are the worse of the two (8a and 8b judge the rate, not the latency).
 */
function together(a: LoadResult, b: LoadResult): LoadResult {
  const elapsedS = a.elapsedS + b.elapsedS;
  const statuses = { ...a.statuses };
  for (const [status, n] of Object.entries(b.statuses)) statuses[Number(status)] = (statuses[Number(status)] ?? 0) + n;
  const worse = (x: Latency, y: Latency): Latency => ({
    count: x.count + y.count,
    mean: (x.mean * x.count + y.mean * y.count) / (x.count + y.count),
    p50: Math.max(x.p50, y.p50),
    p90: Math.max(x.p90, y.p90),
    p99: Math.max(x.p99, y.p99),
    max: Math.max(x.max, y.max),
  });
  const cores = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? undefined : (x * a.elapsedS + y * b.elapsedS) / elapsedS);
  return {
    elapsedS,
    statuses,
    ok: a.ok + b.ok,
    notOk: a.notOk + b.notOk,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    rps: (a.ok + b.ok) / elapsedS,
    latency: worse(a.latency, b.latency),
    byKind: {},
    cpu: { server: cores(a.cpu.server, b.cpu.server), client: cores(a.cpu.client, b.cpu.client) ?? 0 },
    perSecond: [...a.perSecond, ...b.perSecond],
  };
}

/**
 * Each side twice, in the order on, off, off, on: this machine's speed drifts by tens of percent
 * within a minute (other work, the shared disk), and the mirrored order puts both sides at the
 * same mean time, so a drift moves them alike instead of favouring whichever ran first.
 */
async function mirrored<R extends { run: LoadResult }>(measure: (on: boolean, pass: number) => Promise<R>, combine: (a: R, b: R) => R): Promise<{ with: R; without: R }> {
  const on1 = await measure(true, 1);
  const off1 = await measure(false, 1);
  const off2 = await measure(false, 2);
  const on2 = await measure(true, 2);
  return { with: combine(on1, on2), without: combine(off1, off2) };
}

export async function auditCost(ctx: Context): Promise<AuditCostResult> {
  const variant = (what: string, name: string, on: boolean, pass: number) => ({
    name: `${name} (audit ${on ? 'on' : 'off'})`,
    dirName: `s8-${what}-${on ? 'with' : 'without'}-${pass}`,
    ...(!on && { beforeStart: withoutAuditTrail }),
  });
  const tokens = await mirrored(
    (on, pass) => issueTokens(ctx, variant('tokens', '8a POST /tokens', on, pass)),
    (a, b) => ({ ...a, run: together(a.run, b.run) }),
  );
  const calls = await mirrored(
    (on, pass) => callNext(ctx, variant('calls', '8b call-next', on, pass)),
    (a, b) => ({ ...a, run: together(a.run, b.run), empty: a.empty + b.empty, duplicates: a.duplicates + b.duplicates, stoppedEarly: a.stoppedEarly || b.stoppedEarly }),
  );
  return { tokens, calls, encryptionUsPerIssue: encryptionUsPerIssue() };
}
