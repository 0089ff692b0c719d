import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';
import { createDatabase, type Database } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { testEnv } from '../../test/test-app.js';
import { cipherOf, tokenAad } from './encrypted-columns.js';
import { openKeyring, type Keyring, type KeyringOptions } from './keyring.js';

const MASTER = new Uint8Array(Buffer.alloc(32, 1));
const OTHER_MASTER = new Uint8Array(Buffer.alloc(32, 2));

describe.each(DIALECTS)('the keyring on %s', (dialect) => {
  let db: TestDatabase;
  let database: Database;
  const opened: Keyring[] = [];

  const options = (overrides: Partial<KeyringOptions> = {}): KeyringOptions => ({
    database,
    masterKey: MASTER,
    secretsFile: join(db.dataDir, 'secrets.json'),
    production: true,
    ...overrides,
  });
  const open = async (overrides: Partial<KeyringOptions> = {}) => {
    const keyring = await openKeyring(options(overrides));
    opened.push(keyring);
    return keyring;
  };
  const refusal = async (overrides: Partial<KeyringOptions>): Promise<ConfigError> => {
    const error: unknown = await open(overrides).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  };

  beforeEach(async () => {
    db = await freshDatabase(dialect);
    database = createDatabase(loadConfig(testEnv(db)).database);
    await migrateToLatest(database.db);
  });
  afterEach(async () => {
    for (const keyring of opened.splice(0)) keyring.close();
    await database.close();
    await db.drop();
  });

  it('gives back each value it encrypted, and encrypts the same text differently each time', async () => {
    const keyring = await open();
    const aad = tokenAad('patient_name', 'token-1');
    const first = keyring.encrypt('Zebulon Quartermain', aad);
    const second = keyring.encrypt('Zebulon Quartermain', aad);
    expect(first).toMatch(/^enc1\.d1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('Zebulon');
    expect(keyring.decrypt(first, aad)).toBe('Zebulon Quartermain');
    expect(keyring.decrypt(second, aad)).toBe('Zebulon Quartermain');
    expect(keyring.decrypt(keyring.encrypt('नाम ✓', aad), aad)).toBe('नाम ✓');
  });

  it('refuses a value moved to another row or column, or altered by one character', async () => {
    const keyring = await open();
    const value = keyring.encrypt('+919876543210', tokenAad('phone_e164', 'token-1'));
    expect(() => keyring.decrypt(value, tokenAad('phone_e164', 'token-2'))).toThrow(/does not decrypt/);
    expect(() => keyring.decrypt(value, tokenAad('patient_name', 'token-1'))).toThrow(/does not decrypt/);
    const parts = value.split('.');
    const data = parts[3]!;
    parts[3] = `${data[0] === 'A' ? 'B' : 'A'}${data.slice(1)}`;
    expect(() => keyring.decrypt(parts.join('.'), tokenAad('phone_e164', 'token-1'))).toThrow(/does not decrypt/);
  });

  it('keeps blanks blank and finds equal phones by equal blind indexes that reveal no digits', async () => {
    const keyring = await open();
    expect(keyring.encrypt('', 'x')).toBe('');
    const phone = keyring.blindIndex('phone', '+919876543210');
    expect(phone).toHaveLength(22);
    expect(keyring.blindIndex('phone', '+919876543210')).toBe(phone);
    expect(keyring.blindIndex('phone', '+919876543211')).not.toBe(phone);
    expect(keyring.blindIndex('last4', '3210')).not.toBe(keyring.blindIndex('phone', '3210'));
    expect(phone).not.toMatch(/3210|98765/);
  });

  it('hands the database its keyring: writes encrypt and reads decrypt through it', async () => {
    const keyring = await open();
    expect(cipherOf(database.db)).toBe(keyring);
    const at = Date.now();
    await database.db.insertInto('departments').values({ id: 'dep', code: 'GEN', name: 'General', self_check_in: 'off', join_code_rotation: null, max_wait_minutes: 45, max_recalls: 3, park_return_after: 3, created_at: at, name_hi: null, name_ar: null }).execute();
    await database.db
      .insertInto('tokens')
      .values({
        id: 'tok', number: 'GEN-001', issue_day: '2026-12-05', issued_department_id: 'dep', seq: 1, status: 'waiting', department_id: 'dep', priority: 'normal', lane: 1, queued_at: at,
        park_remaining: null, counter_id: null, recall_count: 0, patient_name: keyring.encrypt('Zebulon Quartermain', tokenAad('patient_name', 'tok')),
        phone_e164: keyring.encrypt('+919876543210', tokenAad('phone_e164', 'tok')), phone_last4: keyring.encrypt('3210', tokenAad('phone_last4', 'tok')),
        phone_index: keyring.blindIndex('phone', '+919876543210'), last4_index: keyring.blindIndex('last4', '3210'), language: null, notify_channel: null,
        status_key_hash: 'h', issued_at: at, called_at: null, started_at: null, completed_at: null, updated_at: at, version: 1,
      })
      .execute();
    expect(await database.db.selectFrom('tokens').select(['id', 'patient_name', 'phone_e164', 'phone_last4']).executeTakeFirst()).toEqual({
      id: 'tok', patient_name: 'Zebulon Quartermain', phone_e164: '+919876543210', phone_last4: '3210',
    });
    const stored = await database.db.selectFrom('tokens').select(['patient_name as stored']).executeTakeFirstOrThrow();
    expect(stored.stored).toMatch(/^enc1\./);
    // Without the row's id the value cannot be checked against its row: the read refuses rather than guess.
    await expect(database.db.selectFrom('tokens').select(['patient_name']).execute()).rejects.toThrow(/without tokens\.id/);
  });

  it('refuses to open a database holding keys without the master key, naming MASTER_KEY', async () => {
    await open();
    const error = await refusal({ masterKey: undefined, production: false });
    expect(error.setting).toBe('MASTER_KEY');
    expect(error.message).toMatch(/^MASTER_KEY: is missing, and the database holds encrypted patient data/);
  });

  it('refuses a master key that does not open the database’s keys', async () => {
    await open();
    const error = await refusal({ masterKey: OTHER_MASTER });
    expect(error.message).toMatch(/^MASTER_KEY: does not open this database’s keys/);
  });

  it('refuses to start a production database without a master key', async () => {
    const error = await refusal({ masterKey: undefined, production: true });
    expect(error.message).toMatch(/^MASTER_KEY: is required/);
  });

  it('in development makes a master key for an empty database, keeps it, and opens the same keys with it next time', async () => {
    const first = await open({ masterKey: undefined, production: false });
    const kept = JSON.parse(readFileSync(join(db.dataDir, 'secrets.json'), 'utf8')) as { masterKey?: string };
    expect(Buffer.from(kept.masterKey ?? '', 'base64')).toHaveLength(32);
    const value = first.encrypt('Zebulon Quartermain', 'aad');
    first.close();
    // The kept key is what the settings read on the next start (config.ts), without MASTER_KEY.
    const { MASTER_KEY: _unset, ...env } = testEnv(db);
    const config = loadConfig(env);
    const again = await open({ masterKey: config.masterKey, production: false });
    expect(again.decrypt(value, 'aad')).toBe('Zebulon Quartermain');
    expect(again.fingerprint).toBe(first.fingerprint);
  });

  it('makes one set of keys when two instances open an empty database at once', async () => {
    const second = createDatabase(loadConfig(testEnv(db)).database);
    try {
      const [a, b] = await Promise.all([open(), open({ database: second })]);
      expect(a.currentKeyId).toBe(b.currentKeyId);
      const value = a.encrypt('Zebulon Quartermain', 'aad');
      expect(b.decrypt(value, 'aad')).toBe('Zebulon Quartermain');
      const rows = await database.db.selectFrom('data_keys').select(['id', 'purpose']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 'd1', purpose: 'data' },
        { id: 'i1', purpose: 'index' },
      ]);
    } finally {
      await second.close();
    }
  });

  it('derives a stable 32-byte key per purpose and a fingerprint that names the master key, not the key itself', async () => {
    const keyring = await open();
    const backup = keyring.deriveKey('backup');
    expect(backup).toHaveLength(32);
    expect(keyring.deriveKey('backup').equals(backup)).toBe(true);
    expect(keyring.deriveKey('other').equals(backup)).toBe(false);
    expect(() => keyring.deriveKey('key wrapping')).toThrow();
    expect(keyring.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(keyring.fingerprint).not.toContain(Buffer.from(MASTER).toString('hex').slice(0, 16));
    expect(existsSync(join(db.dataDir, 'secrets.json'))).toBe(false);
  });
});
