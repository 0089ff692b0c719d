import { createHmac, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { ConfigError, keepGeneratedSecret } from '../../config.js';
import type { Database } from '../../db/database.js';
import type { BlindIndexKind, ValueCipher } from './encrypted-columns.js';
import * as repo from './keys.repository.js';
import { decryptValue, encryptValue, keyIdOf, seal, unseal } from './values.js';

/*
 * The key hierarchy: the master key (MASTER_KEY, never stored in the database) → a wrapping key
 * (HKDF) → data keys, each stored wrapped in `data_keys`. Values are encrypted under the current
 * data key and carry its id; the blind indexes are keyed by the index key, which is never rotated
 * (every stored index would have to change with it, and lookups by phone with them).
 */

const KEY_BYTES = 32;
const WRAPPING_INFO = 'smart-token key wrapping';
/** The first keys have fixed ids: two instances starting on an empty database at once make one set, not two. */
const FIRST_DATA_KEY_ID = 'd1';
const FIRST_INDEX_KEY_ID = 'i1';
const BLIND_INDEX_CHARS = 22;
/**
 * How often a running server reads `data_keys` again, besides hearing of a rotation on the bus: a
 * command line on SQLite without Redis has no bus to reach it. Rotation waits longer than this
 * between announcing a key and using it (rotation.ts).
 */
export const KEY_RELOAD_INTERVAL_MS = 1000;
/** Decrypted values kept (names and phones are read on every queue view); long values (event payloads) are not kept. */
const DECRYPTED_CACHE_ENTRIES = 20_000;
const DECRYPTED_CACHE_MAX_VALUE_CHARS = 512;

export interface Keyring extends ValueCipher {
  /** A short, non-secret id of the master key: backups record it, and refuse another key's. */
  readonly fingerprint: string;
  /** A 32-byte key for one purpose (`backup`…), derived from the master key (HKDF-SHA256, info `smart-token <purpose>`). */
  deriveKey(purpose: string): Buffer;
  /** The data key new values are encrypted under. */
  readonly currentKeyId: string;
  /** Makes a new data key, announced (loaded for reading) but not yet used to encrypt; returns its id. */
  addDataKey(): Promise<string>;
  /** Reads `data_keys` again: a key made or activated by another process (a rotation) is picked up. */
  reload(): Promise<void>;
  /** Stops the periodic reload. */
  close(): void;
}

export interface KeyringOptions {
  database: Database;
  masterKey: Uint8Array | undefined;
  /** Where development keeps a generated master key (config.secretsFile). */
  secretsFile: string;
  production: boolean;
  /** A periodic reload that failed (the database was away): the server keeps its keys and says so. */
  onError?: (error: unknown) => void;
}

interface KeyState {
  data: Map<string, KeyObject>;
  currentId: string;
  index: KeyObject;
}

/** A wrapped key that the master key does not open (another key's database, or an altered row). */
class KeyUnwrapError extends Error {}

const hkdf = (master: Uint8Array, info: string): Buffer => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, KEY_BYTES));
const wrappingAad = (row: Pick<repo.DataKeyRow, 'id' | 'purpose'>): string => `data_keys|${row.id}|${row.purpose}`;

function newKeyRow(wrapping: KeyObject, id: string, purpose: repo.DataKeyRow['purpose'], now: number, activated: boolean): repo.DataKeyRow {
  const wrapped = seal(wrapping, randomBytes(KEY_BYTES).toString('base64'), wrappingAad({ id, purpose }));
  return { id, purpose, wrapped, created_at: now, activated_at: activated ? now : null, retired_at: null };
}

/** The master key given, or (development, no keys yet) one generated and kept in the secrets file. */
function masterKeyFor(options: KeyringOptions, hasKeys: boolean): Uint8Array {
  if (options.masterKey) return options.masterKey;
  if (hasKeys) throw new ConfigError('MASTER_KEY', 'is missing, and the database holds encrypted patient data: set the key it was encrypted with');
  if (options.production) {
    throw new ConfigError('MASTER_KEY', 'is required when NODE_ENV=production: at least 32 random bytes (openssl rand -base64 48); it encrypts patients’ names and phone numbers, so back it up apart from the database');
  }
  const generated = randomBytes(KEY_BYTES);
  try {
    keepGeneratedSecret(options.secretsFile, 'masterKey', generated);
  } catch (error) {
    throw new ConfigError('DATA_DIR', `cannot keep the generated MASTER_KEY there (${error instanceof Error ? error.message : String(error)}); fix the folder or set MASTER_KEY`);
  }
  return new Uint8Array(generated);
}

/**
 * Opens the database's keys with the master key (making the first ones for a database without any)
 * and hands them to the database, whose reads then decrypt. Refuses, naming MASTER_KEY, a missing
 * key when the database holds keys, and a key that does not open them.
 */
export async function openKeyring(options: KeyringOptions): Promise<Keyring> {
  const { database } = options;
  let rows = await repo.listKeys(database.db);
  const master = masterKeyFor(options, rows.length > 0);
  const wrapping = createSecretKey(hkdf(master, WRAPPING_INFO));
  if (rows.length === 0) {
    const now = Date.now();
    await database.transact((trx) =>
      repo.insertKeys(trx, [newKeyRow(wrapping, FIRST_DATA_KEY_ID, 'data', now, true), newKeyRow(wrapping, FIRST_INDEX_KEY_ID, 'index', now, true)]),
    );
    rows = await repo.listKeys(database.db);
  }

  const unwrapped = new Map<string, KeyObject>();
  /** Unwraps the keys not unwrapped before; throws naming the first that the master key does not open. */
  function unwrapAll(all: repo.DataKeyRow[]): void {
    for (const row of all) {
      if (unwrapped.has(row.id)) continue;
      let material: Buffer;
      try {
        material = Buffer.from(unseal(wrapping, row.wrapped, wrappingAad(row)).toString('utf8'), 'base64');
      } catch {
        throw new KeyUnwrapError(`data key ${row.id} does not open with this master key`);
      }
      unwrapped.set(row.id, createSecretKey(material));
    }
  }

  function stateOf(all: repo.DataKeyRow[]): KeyState {
    unwrapAll(all);
    const data = new Map<string, KeyObject>();
    let current: repo.DataKeyRow | undefined;
    let index: KeyObject | undefined;
    for (const row of all) {
      const key = unwrapped.get(row.id)!;
      if (row.purpose === 'index') {
        // Oldest first: the one index key (it is never rotated).
        index ??= key;
        continue;
      }
      data.set(row.id, key);
      // The newest activated key that is not retired; a key being announced (not activated) is only read with.
      if (row.activated_at !== null && row.retired_at === null && (!current || Number(row.activated_at) >= Number(current.activated_at))) current = row;
    }
    if (!current || !index) throw new Error('data_keys has no data key in use or no index key: the table was changed by hand; restore it from a backup');
    return { data, currentId: current.id, index };
  }

  let state: KeyState;
  try {
    state = stateOf(rows);
  } catch (error) {
    if (!(error instanceof KeyUnwrapError)) throw error;
    throw new ConfigError('MASTER_KEY', 'does not open this database’s keys: it is not the key the database was encrypted with; set that key (MASTER_KEY or MASTER_KEY_FILE)');
  }

  const decrypted = new LRUCache<string, { aad: string; plain: string }>({ max: DECRYPTED_CACHE_ENTRIES });
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  async function reloadNow(): Promise<void> {
    state = stateOf(await repo.listKeys(database.db));
  }

  function reload(): Promise<void> {
    if (!running) {
      running = reloadNow().finally(() => (running = undefined));
      return running;
    }
    // The reload under way may have read the table before the change this caller knows of: one more
    // after it, shared by everyone who asks meanwhile.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return reload();
      });
    return queued;
  }

  const timer = setInterval(() => void reload().catch((error: unknown) => options.onError?.(error)), KEY_RELOAD_INTERVAL_MS);
  timer.unref();

  const keyring: Keyring = {
    fingerprint: createHmac('sha256', master).update('fingerprint').digest().subarray(0, 16).toString('hex'),

    deriveKey(purpose: string): Buffer {
      // The wrapping key's own purpose is not given out: it would open every data key.
      if (`smart-token ${purpose}` === WRAPPING_INFO) throw new Error(`"${purpose}" is the keyring's own purpose`);
      return hkdf(master, `smart-token ${purpose}`);
    },

    get currentKeyId() {
      return state.currentId;
    },

    encrypt(plain: string, aad: string): string {
      // Nothing to hide in a blank (an erased value): it stays blank, and searches skip it.
      if (plain === '') return '';
      return encryptValue(state.currentId, state.data.get(state.currentId)!, plain, aad);
    },

    decrypt(value: string, aad: string): string {
      const cached = decrypted.get(value);
      if (cached && cached.aad === aad) return cached.plain;
      const keyId = keyIdOf(value);
      if (keyId === undefined) throw new Error(`The value of ${aad} is not an encrypted value.`);
      const key = state.data.get(keyId);
      if (!key) {
        // Made by another process a moment ago: read the keys again, so the next try finds it.
        void reload().catch((error: unknown) => options.onError?.(error));
        throw new Error(`The value of ${aad} is under data key ${keyId}, which this server has not loaded yet (a key rotation?); try again in a moment.`);
      }
      let plain: string;
      try {
        plain = decryptValue(key, value, aad);
      } catch {
        throw new Error(`The value of ${aad} does not decrypt under data key ${keyId}: it was altered, or moved from another row.`);
      }
      if (value.length <= DECRYPTED_CACHE_MAX_VALUE_CHARS) decrypted.set(value, { aad, plain });
      return plain;
    },

    blindIndex(kind: BlindIndexKind, value: string): string {
      return createHmac('sha256', state.index).update(`${kind}:${value}`).digest('base64url').slice(0, BLIND_INDEX_CHARS);
    },

    async addDataKey(): Promise<string> {
      const id = `d${randomBytes(6).toString('base64url')}`;
      await database.transact((trx) => repo.insertKeys(trx, [newKeyRow(wrapping, id, 'data', Date.now(), false)]));
      await reload();
      return id;
    },

    reload,

    close() {
      clearInterval(timer);
    },
  };
  database.keys.keyring = keyring;
  return keyring;
}
