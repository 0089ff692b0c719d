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
import { callsTogether, mirrored, together } from './mirrored.js';
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
    callsTogether,
  );
  return { tokens, calls, encryptionUsPerIssue: encryptionUsPerIssue() };
}
