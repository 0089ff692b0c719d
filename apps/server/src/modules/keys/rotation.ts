import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../../db/database.js';
import { BY_SYSTEM, entryBy, type AuditTrail } from '../audit/audit.js';
import { readSetting, replaceSetting } from '../settings/settings.repository.js';
import { aadOf, ENCRYPTED_SETTINGS, eventAad, idempotencyAad, settingAad, singleIdTables, tokenAad } from './encrypted-columns.js';
import * as rows from './encrypted-rows.repository.js';
import { KEY_RELOAD_INTERVAL_MS, type Keyring } from './keyring.js';
import * as keysRepo from './keys.repository.js';
import { isEncrypted } from './values.js';

/** Rows re-encrypted per transaction: short enough that running servers' writes barely wait. */
export const REENCRYPT_BATCH = 500;
/**
 * How long running servers are given to load a key before it is used: longer than their periodic
 * reload (keyring.ts), for the servers the bus does not reach (SQLite without Redis).
 */
export const KEY_SETTLE_MS = 3 * KEY_RELOAD_INTERVAL_MS;
/** Passes over the rows before giving up on values that keep being written under an old key. */
const MAX_PASSES = 5;

export interface ReencryptProgress {
  done: number;
  total: number;
}

export interface ReencryptOptions {
  /** `plaintext`: values from before encryption (a start after upgrading); `rotation`: every value not under the current key. */
  mode: 'plaintext' | 'rotation';
  batchSize?: number;
  /** After each batch that rewrote something. */
  onProgress?: (progress: ReencryptProgress) => void;
}

function staleOf(keyring: Keyring, mode: ReencryptOptions['mode']): rows.Stale {
  return mode === 'plaintext' ? { plaintext: true } : { notUnder: keyring.currentKeyId };
}

/** How many rows a pass would rewrite now. */
export async function countStale(database: Database, keyring: Keyring, mode: ReencryptOptions['mode']): Promise<number> {
  const stale = staleOf(keyring, mode);
  const counts = await Promise.all([
    rows.countStaleTokens(database.db, stale),
    rows.countStaleEvents(database.db, stale),
    rows.countStaleAnswers(database.db, stale),
    ...(mode === 'rotation' ? laterTables(database, stale) : []),
  ]);
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * The notifications' tables and the secrets in settings came after field encryption (migration 0701
 * follows 0601): they never held plaintext, so only a rotation looks at them, not every start.
 */
function laterTables(database: Database, stale: rows.Stale): Promise<number>[] {
  return [
    ...singleIdTables().map((table) => rows.countStaleRows(database.db, table, stale)),
    ...Object.values(ENCRYPTED_SETTINGS).map(async (secret) => ((await staleSecret(database.db, secret, stale)) ? 1 : 0)),
  ];
}

/** A setting's secret field when it is stale: its setting's value as stored, and the field's value. */
async function staleSecret(db: Database['db'], secret: { key: string; field: string }, stale: rows.Stale): Promise<{ value: string; field: string } | undefined> {
  const row = await readSetting(db, secret.key);
  if (!row) return undefined;
  const field = (JSON.parse(row.value) as Record<string, unknown>)[secret.field];
  if (typeof field !== 'string' || field === '' || field.startsWith(rows.prefixOf(stale))) return undefined;
  return { value: row.value, field };
}

/**
 * One pass over the encrypted tables: every stale row is decrypted (or taken as plaintext), encrypted
 * under the current data key and written back with its blind indexes, a batch per transaction. A
 * row changed between the read and the write is left for the next pass. Returns the rows rewritten.
 */
export async function reencrypt(database: Database, keyring: Keyring, options: ReencryptOptions): Promise<number> {
  const batch = options.batchSize ?? REENCRYPT_BATCH;
  const stale = staleOf(keyring, options.mode);
  const total = await countStale(database, keyring, options.mode);
  let done = 0;
  if (total === 0) return 0;
  const plain = (stored: string, aad: string) => (isEncrypted(stored) ? keyring.decrypt(stored, aad) : stored);

  /** Runs batches until one comes back short; `step` rewrites one batch after the cursor and returns the next cursor. */
  async function each<C>(start: C, step: (trx: Database['db'], after: C) => Promise<{ read: number; rewritten: number; last: C }>): Promise<void> {
    let after = start;
    for (;;) {
      const result = await database.transact((trx) => step(trx, after));
      if (result.rewritten > 0) {
        done += result.rewritten;
        options.onProgress?.({ done, total: Math.max(total, done) });
      }
      if (result.read < batch) return;
      after = result.last;
    }
  }

  await each('', async (trx, after) => {
    const found = await rows.staleTokens(trx, stale, after, batch);
    let rewritten = 0;
    for (const row of found) {
      const name = plain(row.stored_name, tokenAad('patient_name', row.id));
      const phone = plain(row.stored_phone, tokenAad('phone_e164', row.id));
      const last4 = plain(row.stored_last4, tokenAad('phone_last4', row.id));
      const next = {
        patient_name: keyring.encrypt(name, tokenAad('patient_name', row.id)),
        phone_e164: keyring.encrypt(phone, tokenAad('phone_e164', row.id)),
        phone_last4: keyring.encrypt(last4, tokenAad('phone_last4', row.id)),
        phone_index: phone === '' ? null : keyring.blindIndex('phone', phone),
        last4_index: last4 === '' ? null : keyring.blindIndex('last4', last4),
      };
      if (await rows.rewriteToken(trx, row, next)) rewritten += 1;
    }
    return { read: found.length, rewritten, last: found.at(-1)?.id ?? after };
  });

  await each({ departmentId: '', seq: -1 }, async (trx, after) => {
    const found = await rows.staleEvents(trx, stale, after, batch);
    let rewritten = 0;
    for (const row of found) {
      const aad = eventAad(row.department_id, row.seq);
      if (await rows.rewriteEvent(trx, row, keyring.encrypt(plain(row.stored_payload, aad), aad))) rewritten += 1;
    }
    const last = found.at(-1);
    return { read: found.length, rewritten, last: last ? { departmentId: last.department_id, seq: last.seq } : after };
  });

  await each({ scope: '', key: '' }, async (trx, after) => {
    const found = await rows.staleAnswers(trx, stale, after, batch);
    let rewritten = 0;
    for (const row of found) {
      const aad = idempotencyAad(row.scope, row.key);
      if (await rows.rewriteAnswer(trx, row, keyring.encrypt(plain(row.stored_body, aad), aad))) rewritten += 1;
    }
    const last = found.at(-1);
    return { read: found.length, rewritten, last: last ? { scope: last.scope, key: last.key } : after };
  });

  if (options.mode === 'plaintext') return done;
  for (const table of singleIdTables()) {
    await each('', async (trx, after) => {
      const found = await rows.staleRows(trx, table, stale, after, batch);
      let rewritten = 0;
      for (const row of found) {
        const next = row.stored.map((value, i) => {
          const aad = aadOf(table.table, table.columns[i]!, row.id);
          return value === null || value === '' ? null : keyring.encrypt(plain(value, aad), aad);
        });
        if (await rows.rewriteRow(trx, table, row, next)) rewritten += 1;
      }
      return { read: found.length, rewritten, last: found.at(-1)?.id ?? after };
    });
  }

  for (const secret of Object.values(ENCRYPTED_SETTINGS)) {
    const rewritten = await database.transact(async (trx) => {
      const found = await staleSecret(trx, secret, stale);
      if (!found) return 0;
      const aad = settingAad(secret.key);
      const value = JSON.stringify({ ...(JSON.parse(found.value) as object), [secret.field]: keyring.encrypt(plain(found.field, aad), aad) });
      return (await replaceSetting(trx, secret.key, found.value, value)) ? 1 : 0;
    });
    if (rewritten > 0) {
      done += rewritten;
      options.onProgress?.({ done, total: Math.max(total, done) });
    }
  }
  return done;
}

export interface RotationDeps {
  database: Database;
  keyring: Keyring;
  /** Tells running servers that the keys changed (the cache-invalidation bus); they also re-read them every second. */
  announce: (keyId: string) => Promise<void>;
  audit: Pick<AuditTrail, 'record'>;
  /** Each line of progress, for a person at a terminal. */
  say: (line: string) => void;
  /** How long servers are given to load a key before it is used (tests shorten it). */
  settleMs?: number;
  batchSize?: number;
}

export interface RotationResult {
  keyId: string;
  reencrypted: number;
  retired: string[];
}

/**
 * `keys rotate`: a new data key is made and announced, then (once running servers have loaded it)
 * made current; every value not under it is re-encrypted in batches, and the old keys are retired.
 * Run again after an interruption, it carries on with the key it made instead of making another.
 * The index key is not rotated: every blind index would change with it.
 */
export async function rotateDataKeys(deps: RotationDeps): Promise<RotationResult> {
  const { database, keyring, say } = deps;
  const settle = () => sleep(deps.settleMs ?? KEY_SETTLE_MS);
  await keyring.reload();
  const inUse = (await keysRepo.listKeys(database.db)).filter((k) => k.purpose === 'data' && k.retired_at === null);
  const announced = inUse.filter((k) => k.activated_at === null).at(-1);
  let keyId: string;
  if (announced || inUse.length === 1) {
    if (announced) {
      keyId = announced.id;
      say(`Resuming the rotation to data key ${keyId} (made, not yet in use).`);
    } else {
      keyId = await keyring.addDataKey();
      say(`Made data key ${keyId}; giving running servers ${Math.round((deps.settleMs ?? KEY_SETTLE_MS) / 1000)} s to load it.`);
    }
    await deps.announce(keyId);
    await settle();
    // Later than every key in use, whatever this machine's clock says: the newest activated key is the current one.
    const activatedAt = Math.max(Date.now(), ...inUse.map((k) => Number(k.activated_at ?? 0) + 1));
    await keysRepo.activateKey(database.db, keyId, activatedAt);
    await keyring.reload();
    await deps.announce(keyId);
    // Servers that have not heard yet still encrypt under the old key for a moment: the passes below catch those values.
    await settle();
    say(`Data key ${keyId} is now the one new values are encrypted under.`);
  } else {
    keyId = keyring.currentKeyId;
    say(`Resuming the rotation to data key ${keyId}: re-encrypting what is still under ${inUse.filter((k) => k.id !== keyId).map((k) => k.id).join(', ')}.`);
  }
  await keyring.reload();
  // Another rotation run at the same moment may have made its key current after ours: carry on with that one.
  if (keyring.currentKeyId !== keyId) {
    say(`Data key ${keyring.currentKeyId} became current meanwhile (another "keys rotate"?); re-encrypting under it instead.`);
    keyId = keyring.currentKeyId;
  }

  let reencrypted = 0;
  let last = '';
  const progress = (line: string) => {
    if (line !== last) say(line);
    last = line;
  };
  for (let pass = 1; ; pass++) {
    const onProgress = ({ done, total }: ReencryptProgress) => progress(`re-encrypted ${reencrypted + done} of ${reencrypted + total}`);
    reencrypted += await reencrypt(database, keyring, { mode: 'rotation', ...(deps.batchSize !== undefined && { batchSize: deps.batchSize }), onProgress });
    const left = await countStale(database, keyring, 'rotation');
    if (left === 0) break;
    if (pass >= MAX_PASSES) {
      throw new Error(`${left} values are still being written under an old data key: is a server running that cannot read data_keys? Run "keys rotate" again to finish.`);
    }
    await settle();
  }
  progress(`re-encrypted ${reencrypted} of ${reencrypted}`);

  const retired = await database.transact(async (trx) => {
    // Every other data key, one a concurrent rotation is announcing included: that rotation then finds ours current and carries on with it.
    const ids = await keysRepo.retireDataKeysBut(trx, keyId, Date.now());
    await deps.audit.record(
      trx,
      entryBy(BY_SYSTEM, { type: 'system.keys.rotated', action: 'rotate', subject: { kind: 'key', id: keyId }, details: { retired: ids, reencrypted } }),
    );
    return ids;
  });
  await keyring.reload();
  await deps.announce(keyId);
  say(`Done: every value is under data key ${keyId}${retired.length > 0 ? `; retired ${retired.join(', ')}` : ''}. The blind-index key is not rotated (every phone lookup depends on it).`);
  return { keyId, reencrypted, retired };
}
