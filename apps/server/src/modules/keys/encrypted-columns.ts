import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { DB } from '../../db/schema.js';
import { VALUE_PREFIX } from './values.js';

export type BlindIndexKind = 'phone' | 'last4';

/** What reads and writes of patients' data need from the keyring. */
export interface ValueCipher {
  /** The value as stored: `enc1.…` under the current data key, bound to `aad` (its table, column and row). */
  encrypt(plain: string, aad: string): string;
  /** The plaintext of a stored `enc1.…` value; throws when it was altered or moved to another row. */
  decrypt(value: string, aad: string): string;
  /** A keyed digest of a phone (E.164) or its last four digits: equal inputs give equal indexes, and nothing else is learnt. */
  blindIndex(kind: BlindIndexKind, value: string): string;
}

/** Where the database finds the keyring once it is open (keyring.ts fills it). */
export interface KeyHolder {
  keyring: ValueCipher | undefined;
}

interface EncryptedColumn {
  table: string;
  column: string;
  /** The row's identity, bound into each value as associated data. */
  ids: readonly string[];
}

/**
 * Every encrypted column. A result row is decrypted by its column names, so these names mean these
 * columns wherever they are selected: never alias an encrypted column (it would stay encrypted), and
 * select its ids with it (the read refuses otherwise).
 */
export const ENCRYPTED_COLUMNS = [
  { table: 'tokens', column: 'patient_name', ids: ['id'] },
  { table: 'tokens', column: 'phone_e164', ids: ['id'] },
  { table: 'tokens', column: 'phone_last4', ids: ['id'] },
  { table: 'live_events', column: 'payload', ids: ['department_id', 'seq'] },
  { table: 'idempotency_keys', column: 'body', ids: ['scope', 'key'] },
  { table: 'notification_consents', column: 'status_url', ids: ['token_id'] },
  { table: 'notification_messages', column: 'to_phone', ids: ['id'] },
  { table: 'notification_messages', column: 'message_body', ids: ['id'] },
  { table: 'push_subscriptions', column: 'push_subscription', ids: ['id'] },
] as const satisfies readonly EncryptedColumn[];

/** The names in ENCRYPTED_COLUMNS, as literal types: SQL built from them is text fixed in the code (no-raw-sql.test.ts). */
type EncryptedColumnEntry = (typeof ENCRYPTED_COLUMNS)[number];
export interface SingleIdTable {
  table: EncryptedColumnEntry['table'];
  id: EncryptedColumnEntry['ids'][number];
  columns: EncryptedColumnEntry['column'][];
}

/**
 * Settings that hold a secret in one field of their JSON value (the Twilio auth token, the VAPID private
 * key), encrypted with the setting's key as associated data: `keys rotate` re-encrypts these too.
 */
export const ENCRYPTED_SETTINGS = {
  twilioAuthToken: { key: 'notifications.gateway', field: 'authToken' },
  vapidPrivateKey: { key: 'notifications.vapid', field: 'privateKey' },
} as const satisfies Record<string, { key: string; field: string }>;

/** The associated data of a value: its table, column and row, so it cannot be swapped with another's. */
export const aadOf = (table: string, column: string, ...ids: (string | number)[]): string => `${table}.${column}.${ids.join(':')}`;
export const tokenAad = (column: 'patient_name' | 'phone_e164' | 'phone_last4', tokenId: string): string => aadOf('tokens', column, tokenId);
export const eventAad = (departmentId: string, seq: number): string => aadOf('live_events', 'payload', departmentId, seq);
export const idempotencyAad = (scope: string, key: string): string => aadOf('idempotency_keys', 'body', scope, key);
export const settingAad = (key: string): string => aadOf('settings', 'value', key);

/** Encrypted tables whose values are bound to one id column, tokens aside (their blind indexes go with them): one generic re-encryption pass each. */
export function singleIdTables(): SingleIdTable[] {
  const byTable = new Map<string, SingleIdTable>();
  for (const c of ENCRYPTED_COLUMNS) {
    if (c.ids.length !== 1 || c.table === 'tokens') continue;
    const entry = byTable.get(c.table) ?? { table: c.table, id: c.ids[0], columns: [] };
    entry.columns.push(c.column);
    byTable.set(c.table, entry);
  }
  return [...byTable.values()];
}

function rowAad(c: EncryptedColumn, row: UnknownRow): string {
  const ids: (string | number)[] = [];
  for (const name of c.ids) {
    const id = row[name];
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw new Error(`A query read ${c.table}.${c.column} without ${c.table}.${name}: select ${c.ids.join(' and ')} with it, the value is bound to its row.`);
    }
    ids.push(id);
  }
  return aadOf(c.table, c.column, ...ids);
}

/**
 * The one place stored values are decrypted: a Kysely plugin on the database, so every read (query
 * builder, prepared statement, transaction) returns plaintext. A row without `enc1.` values costs a
 * look at its encrypted columns and nothing more.
 */
export class EncryptedColumns implements KyselyPlugin, KeyHolder {
  keyring: ValueCipher | undefined;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const { rows } = args.result;
    if (rows.length > 0) this.decryptRows(rows);
    return args.result;
  }

  private decryptRows(rows: UnknownRow[]): void {
    const first = rows[0]!;
    // The rows of one result share their columns: find the encrypted ones once.
    let present: EncryptedColumn[] | undefined;
    for (const c of ENCRYPTED_COLUMNS) if (c.column in first) (present ??= []).push(c);
    if (!present) return;
    for (const row of rows) {
      for (const c of present) {
        const value = row[c.column];
        if (typeof value !== 'string' || !value.startsWith(VALUE_PREFIX)) continue;
        row[c.column] = this.cipher().decrypt(value, rowAad(c, row));
      }
    }
  }

  cipher(): ValueCipher {
    if (!this.keyring) throw new Error('The keyring is not open: patients’ data cannot be read or written before openKeyring (modules/keys/keyring.ts).');
    return this.keyring;
  }
}

/** The keyring of the database this connection or transaction belongs to, for repositories that write patients' data. */
export function cipherOf(db: Kysely<DB>): ValueCipher {
  for (const plugin of db.getExecutor().plugins) if (plugin instanceof EncryptedColumns) return plugin.cipher();
  throw new Error('This database was not made by createDatabase (db/database.ts): it has no keyring to encrypt patients’ data with.');
}
