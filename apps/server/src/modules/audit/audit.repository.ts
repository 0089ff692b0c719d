import { sql, type Expression, type ExpressionBuilder, type Insertable, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { Dialect } from '../../db/database.js';
import { columns, prepared, type Params } from '../../db/prepared.js';
import type { AuditEntriesTable, AuditPendingTable, AuditRecordsTable, DB } from '../../db/schema.js';

type Db = Kysely<DB>;
export type PendingRow = Selectable<AuditPendingTable>;
export type EntryRow = Selectable<AuditEntriesTable>;

export const PENDING_COLUMNS = [
  'id', 'at', 'type', 'actor_kind', 'actor_id', 'actor_label', 'subject_kind', 'subject_id', 'subject_label', 'action', 'outcome', 'ip', 'request_id', 'details',
] as const satisfies readonly (keyof AuditPendingTable)[];

/** On every audited change: prepared, built and compiled once (db/prepared.ts). */
const insertPendingQuery = prepared((db, p: Params<(typeof PENDING_COLUMNS)[number]>) => db.insertInto('audit_pending').values(columns(p, PENDING_COLUMNS)));

export async function insertPending(db: Db, row: PendingRow): Promise<void> {
  await insertPendingQuery(db, row);
}

export async function insertPendingMany(db: Db, rows: Insertable<AuditPendingTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('audit_pending').values(rows).execute();
}

/** One chainer at a time across instances (SQLite's writer lock already serialises it; PostgreSQL needs this). */
export async function lockChain(db: Db, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext('smart-token audit chain'))`.execute(db);
}

/** The oldest events waiting to be chained, in the order they will join the trail. */
export async function pendingBatch(db: Db, limit: number): Promise<PendingRow[]> {
  return db.selectFrom('audit_pending').selectAll().orderBy('at').orderBy('id').limit(sql.lit(limit)).execute();
}

/** On SQLite, read in every audited change's transaction: prepared, built and compiled once. */
const chainHeadQuery = prepared((db) => db.selectFrom('audit_entries').select(['seq', 'mac']).orderBy('seq', 'desc').limit(sql.lit(1)));

export async function chainHead(db: Db): Promise<{ seq: number; mac: string } | undefined> {
  const row = (await chainHeadQuery(db, {})).rows[0];
  return row && { seq: Number(row.seq), mac: row.mac };
}

export const ENTRY_COLUMNS = [...PENDING_COLUMNS, 'seq', 'prev_mac', 'mac', 'chained_at'] as const satisfies readonly (keyof AuditEntriesTable)[];
const insertEntryQuery = prepared((db, p: Params<(typeof ENTRY_COLUMNS)[number]>) => db.insertInto('audit_entries').values(columns(p, ENTRY_COLUMNS)));
const insertRecordQuery = prepared((db, p: Params<'token_id' | 'entry_seq'>) =>
  db
    .insertInto('audit_records')
    .values(columns(p, ['token_id', 'entry_seq']))
    .onConflict((oc) => oc.doNothing()),
);

/** Rows per INSERT: SQLite allows 32 766 parameters a statement; an entry has 18 columns. */
const INSERT_CHUNK = 500;

export async function insertEntries(db: Db, entries: EntryRow[], records: Insertable<AuditRecordsTable>[]): Promise<void> {
  // One change's entry (the usual case on SQLite, chained in the change's transaction): the prepared statements.
  if (entries.length === 1 && records.length <= 1) {
    await insertEntryQuery(db, entries[0]!);
    if (records[0]) await insertRecordQuery(db, records[0]);
    return;
  }
  for (let i = 0; i < entries.length; i += INSERT_CHUNK) await db.insertInto('audit_entries').values(entries.slice(i, i + INSERT_CHUNK)).execute();
  for (let i = 0; i < records.length; i += INSERT_CHUNK * 4) {
    await db.insertInto('audit_records').values(records.slice(i, i + INSERT_CHUNK * 4)).onConflict((oc) => oc.doNothing()).execute();
  }
}

export async function deletePending(db: Db, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += INSERT_CHUNK) await db.deleteFrom('audit_pending').where('id', 'in', ids.slice(i, i + INSERT_CHUNK)).execute();
}

/** The trail in order from just after `seq`: the walk of `audit verify` and of the files' catch-up. */
export async function entriesAfter(db: Db, seq: number, limit: number): Promise<EntryRow[]> {
  return db.selectFrom('audit_entries').selectAll().where('seq', '>', seq).orderBy('seq').limit(sql.lit(limit)).execute();
}

export async function entryAt(db: Db, seq: number): Promise<EntryRow | undefined> {
  return db.selectFrom('audit_entries').selectAll().where('seq', '=', seq).executeTakeFirst();
}

/** Where an entry with this MAC sits, if anywhere (a link that points elsewhere: reordered, not missing). */
export async function seqOfMac(db: Db, mac: string): Promise<number | undefined> {
  const row = await db.selectFrom('audit_entries').select('seq').where('mac', '=', mac).executeTakeFirst();
  return row && Number(row.seq);
}

/** The latest restore recorded in the trail, and the length of the chain the restored backup held. */
export async function latestRestore(db: Db): Promise<{ seq: number; baseSeq: number } | undefined> {
  const row = await db.selectFrom('audit_entries').select(['seq', 'details']).where('type', '=', 'system.restore').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row && { seq: Number(row.seq), baseSeq: restoredChainLength(row.details) };
}

/** A restore entry's `auditEntries`: how long the chain was in the backup it restored. */
export function restoredChainLength(details: string | null): number {
  const value = details ? (JSON.parse(details) as { auditEntries?: unknown }).auditEntries : undefined;
  return typeof value === 'number' ? value : 0;
}

export async function pendingCount(db: Db): Promise<{ count: number; oldestAt: number | null }> {
  const row = await db.selectFrom('audit_pending').select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('at').as('oldest')]).executeTakeFirst();
  return { count: Number(row?.count ?? 0), oldestAt: row?.oldest == null ? null : Number(row.oldest) };
}

/** What the admin's listing and export filter on: every field given must hold. */
export interface EntryFilter {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  actorId?: string;
  types?: readonly string[];
  outcome?: string;
  /** Entries concerning this token id, or any token with this number. */
  token?: { id: string; number?: string };
  /** Entries concerning any token issued to the phone with this blind index. */
  phoneIndex?: string;
  /** Entries up to this seq only (an export's snapshot of the trail). */
  maxSeq?: number;
}

type EntriesEb = ExpressionBuilder<DB, 'audit_entries'>;
const tokenIds = (eb: EntriesEb) => eb.selectFrom('tokens').select('tokens.id');

/**
 * "Concerns these tokens": the entry's audit_records (reads, searches, lines) or its subject. The
 * tokens are an id and/or a subquery over tokens, so a number or a phone names its tokens in SQL.
 */
function concerning(eb: EntriesEb, tokens: { id?: string; ids?: ReturnType<typeof tokenIds> }): Expression<SqlBool> {
  const { id, ids } = tokens;
  const records = eb
    .selectFrom('audit_records')
    .select('audit_records.entry_seq')
    .where((rb) => rb.or([...(id === undefined ? [] : [rb('audit_records.token_id', '=', id)]), ...(ids === undefined ? [] : [rb('audit_records.token_id', 'in', ids)])]));
  return eb.or([
    eb('audit_entries.seq', 'in', records),
    eb.and([
      eb('audit_entries.subject_kind', '=', 'token'),
      eb.or([...(id === undefined ? [] : [eb('audit_entries.subject_id', '=', id)]), ...(ids === undefined ? [] : [eb('audit_entries.subject_id', 'in', ids)])]),
    ]),
  ]);
}

function matching(filter: EntryFilter) {
  return (eb: EntriesEb): Expression<SqlBool> => {
    const all: Expression<SqlBool>[] = [];
    if (filter.from !== undefined) all.push(eb('audit_entries.at', '>=', filter.from));
    if (filter.to !== undefined) all.push(eb('audit_entries.at', '<', filter.to));
    if (filter.actorId !== undefined) all.push(eb('audit_entries.actor_id', '=', filter.actorId));
    if (filter.types !== undefined) all.push(eb('audit_entries.type', 'in', [...filter.types]));
    if (filter.outcome !== undefined) all.push(eb('audit_entries.outcome', '=', filter.outcome));
    if (filter.maxSeq !== undefined) all.push(eb('audit_entries.seq', '<=', filter.maxSeq));
    if (filter.token !== undefined) {
      const { id, number } = filter.token;
      all.push(concerning(eb, { id, ...(number !== undefined && { ids: tokenIds(eb).where('tokens.number', '=', number) }) }));
    }
    if (filter.phoneIndex !== undefined) {
      all.push(concerning(eb, { ids: tokenIds(eb).where('tokens.phone_index', '=', filter.phoneIndex) }));
    }
    return eb.and(all);
  };
}

/**
 * A page of the chained trail that matches `filter`: newest first after a cursor (`before`), or
 * oldest first (`after`, for exports, in the chain's order).
 */
export async function filteredEntries(db: Db, filter: EntryFilter, page: { order: 'asc' | 'desc'; before?: number; after?: number; limit: number }): Promise<EntryRow[]> {
  let query = db.selectFrom('audit_entries').selectAll('audit_entries').where(matching(filter));
  if (page.before !== undefined) query = query.where('audit_entries.seq', '<', page.before);
  if (page.after !== undefined) query = query.where('audit_entries.seq', '>', page.after);
  return query.orderBy('audit_entries.seq', page.order).limit(page.limit).execute();
}

export async function countEntries(db: Db, filter: EntryFilter): Promise<number> {
  const row = await db.selectFrom('audit_entries').select((eb) => eb.fn.countAll<number>().as('count')).where(matching(filter)).executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** The tokens each of these entries concerns, with the token's number while the token exists. */
export async function tokensOfEntries(db: Db, seqs: readonly number[]): Promise<{ seq: number; tokenId: string; number: string | null }[]> {
  const found: { seq: number; tokenId: string; number: string | null }[] = [];
  for (let i = 0; i < seqs.length; i += INSERT_CHUNK) {
    const rows = await db
      .selectFrom('audit_records')
      .leftJoin('tokens', 'tokens.id', 'audit_records.token_id')
      .select(['audit_records.entry_seq', 'audit_records.token_id', 'tokens.number'])
      .where('audit_records.entry_seq', 'in', seqs.slice(i, i + INSERT_CHUNK))
      .execute();
    for (const r of rows) found.push({ seq: Number(r.entry_seq), tokenId: r.token_id, number: r.number });
  }
  return found;
}

/** The ids of the tokens issued to the phone with this blind index (the latest `limit`). */
export async function tokenIdsOfPhoneIndex(db: Db, phoneIndex: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('tokens').select('id').where('phone_index', '=', phoneIndex).orderBy('issued_at', 'desc').limit(limit).execute();
  return rows.map((r) => r.id);
}
