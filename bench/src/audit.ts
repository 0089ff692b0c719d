/**
 * 8. What the audit trail costs: POST /tokens and call-next on a server as it runs, and on the same
 * server with the trail's writes switched off in the database (a trigger that drops every insert
 * into audit_pending, so nothing is recorded and nothing is chained), back to back in one round.
 * Field encryption cannot be switched off; its cost is measured apart (8d).
 */
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { createDatabase } from '../../apps/server/dist/db/database.js';
import { migrateToLatest } from '../../apps/server/dist/db/migrate.js';
import { encryptValue } from '../../apps/server/dist/modules/keys/values.js';
import type { Context } from './harness.js';
import { dbFileIn } from './processes.js';
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
    db.exec('create trigger if not exists bench_without_audit before insert on audit_pending begin select raise(ignore); end');
  } finally {
    db.close();
  }
}

export async function auditCost(ctx: Context): Promise<AuditCostResult> {
  const tokensWith = await issueTokens(ctx, { name: '8a POST /tokens (audit on)', dirName: 's8-tokens-with' });
  const tokensWithout = await issueTokens(ctx, { name: '8a POST /tokens (audit off)', dirName: 's8-tokens-without', beforeStart: withoutAuditTrail });
  const callsWith = await callNext(ctx, { name: '8b call-next (audit on)', dirName: 's8-calls-with' });
  const callsWithout = await callNext(ctx, { name: '8b call-next (audit off)', dirName: 's8-calls-without', beforeStart: withoutAuditTrail });
  return { tokens: { with: tokensWith, without: tokensWithout }, calls: { with: callsWith, without: callsWithout }, encryptionUsPerIssue: encryptionUsPerIssue() };
}
