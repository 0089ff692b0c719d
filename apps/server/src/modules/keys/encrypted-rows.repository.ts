import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { SingleIdTable } from './encrypted-columns.js';
import { VALUE_PREFIX } from './values.js';

/*
 * The rows a re-encryption pass rewrites, a batch at a time in primary-key order. Encrypted columns
 * are read under other names (`stored_…`): the database's plugin leaves them as stored, so the pass
 * decrypts them itself and writes back only if they are still what it read.
 */

type Db = Kysely<DB>;

/** What a pass rewrites: plaintext left from before encryption, or every value not under the current data key. */
export type Stale = { plaintext: true } | { notUnder: string };

/** What every value the pass leaves alone starts with. */
export const prefixOf = (stale: Stale): string => ('notUnder' in stale ? `${VALUE_PREFIX}${stale.notUnder}.` : VALUE_PREFIX);

type EncryptedTable = 'tokens' | 'live_events' | 'idempotency_keys';
type TextColumn<T extends EncryptedTable> = { [C in keyof DB[T]]: DB[T][C] extends string ? C : never }[keyof DB[T]] & string;

/** A value to rewrite: not blank (an erased value stays blank) and not starting with the wanted prefix. */
function staleValue<T extends EncryptedTable>(eb: ExpressionBuilder<DB, T>, column: TextColumn<T>, stale: Stale): Expression<SqlBool> {
  const prefix = prefixOf(stale);
  const ref = eb.ref(column as never) as Expression<string>;
  return eb.and([eb(ref, '<>', ''), eb(eb.fn<string>('substr', [ref, sql.lit(1), sql.lit(prefix.length)]), '<>', prefix)]);
}

// Tokens ---------------------------------------------------------------------------------------

export interface StoredToken {
  id: string;
  stored_name: string;
  stored_phone: string;
  stored_last4: string;
}

function staleToken(eb: ExpressionBuilder<DB, 'tokens'>, stale: Stale): Expression<SqlBool> {
  // Before encryption no row had a blind index (and every row has one after): an index lookup, not a scan of every value.
  if ('plaintext' in stale) return eb.and([eb('phone_index', 'is', null), eb('phone_e164', '<>', '')]);
  return eb.or([
    staleValue(eb, 'patient_name', stale),
    staleValue(eb, 'phone_e164', stale),
    staleValue(eb, 'phone_last4', stale),
    eb.and([eb('phone_index', 'is', null), eb('phone_e164', '<>', '')]),
  ]);
}

export async function countStaleTokens(db: Db, stale: Stale): Promise<number> {
  const row = await db.selectFrom('tokens').where((eb) => staleToken(eb, stale)).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function staleTokens(db: Db, stale: Stale, after: string, limit: number): Promise<StoredToken[]> {
  return db
    .selectFrom('tokens')
    .select(['id', 'patient_name as stored_name', 'phone_e164 as stored_phone', 'phone_last4 as stored_last4'])
    .where('id', '>', after)
    .where((eb) => staleToken(eb, stale))
    .orderBy('id')
    .limit(sql.lit(limit))
    .execute();
}

/** Writes a token's re-encrypted values if they are still the ones read; false when something changed them meanwhile. */
export async function rewriteToken(
  db: Db,
  read: StoredToken,
  next: { patient_name: string; phone_e164: string; phone_last4: string; phone_index: string | null; last4_index: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable('tokens')
    .set(next)
    .where('id', '=', read.id)
    .where('patient_name', '=', read.stored_name)
    .where('phone_e164', '=', read.stored_phone)
    .where('phone_last4', '=', read.stored_last4)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// Live events ----------------------------------------------------------------------------------

export interface StoredEvent {
  department_id: string;
  seq: number;
  stored_payload: string;
}

export async function countStaleEvents(db: Db, stale: Stale): Promise<number> {
  const row = await db.selectFrom('live_events').where((eb) => staleValue(eb, 'payload', stale)).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function staleEvents(db: Db, stale: Stale, after: { departmentId: string; seq: number }, limit: number): Promise<StoredEvent[]> {
  return db
    .selectFrom('live_events')
    .select(['department_id', 'seq', 'payload as stored_payload'])
    .where((eb) => eb(eb.refTuple('department_id', 'seq'), '>', eb.tuple(after.departmentId, after.seq)))
    .where((eb) => staleValue(eb, 'payload', stale))
    .orderBy('department_id')
    .orderBy('seq')
    .limit(sql.lit(limit))
    .execute();
}

export async function rewriteEvent(db: Db, read: StoredEvent, payload: string): Promise<boolean> {
  const result = await db
    .updateTable('live_events')
    .set({ payload })
    .where('department_id', '=', read.department_id)
    .where('seq', '=', read.seq)
    .where('payload', '=', read.stored_payload)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// Idempotency keys -----------------------------------------------------------------------------

export interface StoredAnswer {
  scope: string;
  key: string;
  stored_body: string;
}

export async function countStaleAnswers(db: Db, stale: Stale): Promise<number> {
  const row = await db.selectFrom('idempotency_keys').where((eb) => staleValue(eb, 'body', stale)).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function staleAnswers(db: Db, stale: Stale, after: { scope: string; key: string }, limit: number): Promise<StoredAnswer[]> {
  return db
    .selectFrom('idempotency_keys')
    .select(['scope', 'key', 'body as stored_body'])
    .where((eb) => eb(eb.refTuple('scope', 'key'), '>', eb.tuple(after.scope, after.key)))
    .where((eb) => staleValue(eb, 'body', stale))
    .orderBy('scope')
    .orderBy('key')
    .limit(sql.lit(limit))
    .execute();
}

export async function rewriteAnswer(db: Db, read: StoredAnswer, body: string): Promise<boolean> {
  const result = await db
    .updateTable('idempotency_keys')
    .set({ body })
    .where('scope', '=', read.scope)
    .where('key', '=', read.key)
    .where('body', '=', read.stored_body)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// Tables with one id column (notifications' consents, messages, push subscriptions) ---------------

/** A row of such a table: its id and its encrypted columns as stored, in the table's column order. */
export interface StoredRow {
  id: string;
  stored: (string | null)[];
}

/** `column` holds a value to rewrite (as staleValue, for a column named at run time). */
function staleSql(column: SingleIdTable['columns'][number], stale: Stale) {
  const prefix = prefixOf(stale);
  return sql<SqlBool>`(${sql.ref(column)} <> '' and substr(${sql.ref(column)}, 1, ${sql.lit(prefix.length)}) <> ${prefix})`;
}
const anyStale = (columns: SingleIdTable['columns'], stale: Stale) => sql.join(columns.map((c) => staleSql(c, stale)), sql` or `);

export async function countStaleRows(db: Db, t: SingleIdTable, stale: Stale): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(t.table)} where ${anyStale(t.columns, stale)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

export async function staleRows(db: Db, t: SingleIdTable, stale: Stale, after: string, limit: number): Promise<StoredRow[]> {
  // Read under other names (`stored_0` …): the database's plugin decrypts by column name and would hand back plaintext.
  const stored = sql.join(t.columns.map((c, i) => sql`${sql.ref(c)} as ${sql.ref(`stored_${i}`)}`));
  const { rows } = await sql<Record<string, string | null>>`select ${sql.ref(t.id)} as row_id, ${stored} from ${sql.table(t.table)}
    where ${sql.ref(t.id)} > ${after} and (${anyStale(t.columns, stale)}) order by ${sql.ref(t.id)} limit ${sql.lit(limit)}`.execute(db);
  return rows.map((r) => ({ id: String(r.row_id), stored: t.columns.map((_c, i) => r[`stored_${i}`] ?? null) }));
}

/** Writes the row's re-encrypted values (null where a column is empty) if they are still the ones read. */
export async function rewriteRow(db: Db, t: SingleIdTable, read: StoredRow, next: (string | null)[]): Promise<boolean> {
  const changed = t.columns.flatMap((column, i) => (next[i] == null || read.stored[i] == null ? [] : [{ column, from: read.stored[i], to: next[i] }]));
  if (changed.length === 0) return false;
  const result = await sql`update ${sql.table(t.table)} set ${sql.join(changed.map((c) => sql`${sql.ref(c.column)} = ${c.to}`))}
    where ${sql.ref(t.id)} = ${read.id} and ${sql.join(changed.map((c) => sql`${sql.ref(c.column)} = ${c.from}`), sql` and `)}`.execute(db);
  return Number(result.numAffectedRows ?? 0) === 1;
}
