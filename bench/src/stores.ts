/**
 * The few database operations the pre-fill needs, on the server's SQLite file or its PostgreSQL
 * database: the same SQL (written with `?`), the same checks, a bulk insert fit for each.
 */
import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';

export type Value = string | number | null;
export type Row = Record<string, Value>;

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  get(sql: string, ...params: Value[]): Promise<Row | undefined>;
  all(sql: string, ...params: Value[]): Promise<Row[]>;
  run(sql: string, ...params: Value[]): Promise<void>;
  /** Appends rows (all with the same columns) to a table. */
  insertMany(table: string, rows: Row[]): Promise<void>;
  /** Each column of the one row `where` picks: its storage class on SQLite, its type on PostgreSQL; 'null' for NULL. */
  columnKinds(table: string, where: string, ...params: Value[]): Promise<Record<string, string>>;
  tables(): Promise<string[]>;
  /** A hash of a table's whole content. */
  digest(table: string): Promise<string>;
  /**
   * After a bulk write, leaves the planner's statistics where the database would have them had the
   * rows come in one by one: PostgreSQL's autovacuum analyses a table after every 10% of new rows,
   * so a real table of 100,000 tokens has statistics (without them the planner picks a scan of the
   * whole department for call-next's lane heads: 49 ms instead of 0.06 ms). The server never runs
   * ANALYZE on SQLite, so a SQLite file is left as a real one would be.
   */
  analyze(tables: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Writes of one SQLite transaction hold many index pages: a big cache keeps them in memory until commit. */
const SQLITE_CACHE_KIB = 256 * 1024;
const PG_BATCH_ROWS = 5_000;
const INT8_OID = 20;

export function openSqliteStore(file: string): Store {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  const statements = new Map<string, SQLite.Statement>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const columns = (table: string) => (db.prepare(`select name from pragma_table_info('${table}')`).all() as { name: string }[]).map((c) => c.name);
  return {
    dialect: 'sqlite',
    get: async (sql, ...params) => prepare(sql).get(...params) as Row | undefined,
    all: async (sql, ...params) => prepare(sql).all(...params) as Row[],
    run: async (sql, ...params) => {
      if (params.length === 0 && !sql.trim().toLowerCase().startsWith('select')) db.exec(sql);
      else prepare(sql).run(...params);
    },
    insertMany: async (table, rows) => {
      if (rows.length === 0) return;
      const names = Object.keys(rows[0]!);
      const insert = prepare(`insert into ${table} (${names.join(', ')}) values (${names.map((c) => `@${c}`).join(', ')})`);
      for (const row of rows) insert.run(row);
    },
    columnKinds: async (table, where, ...params) =>
      db.prepare(`select ${columns(table).map((c) => `typeof(${c}) as ${c}`).join(', ')} from ${table} where ${where}`).get(...params) as Record<string, string>,
    tables: async () => (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`).all() as { name: string }[]).map((t) => t.name),
    digest: async (table) => createHash('sha256').update(JSON.stringify(db.prepare(`select * from "${table}"`).raw().all())).digest('hex'),
    analyze: async () => undefined,
    close: async () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

/** `?` placeholders as PostgreSQL's `$1, $2, …`. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

export async function openPgStore(url: string): Promise<Store> {
  // Epoch-millisecond bigints as numbers, as the server reads them.
  const parseInt8 = (v: string): number => Number(v);
  const getTypeParser = ((oid: number, format?: 'text' | 'binary'): unknown => (oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser;
  const client = new pg.Client({ connectionString: url, types: { getTypeParser } });
  await client.connect();
  const types = new Map<string, { name: string; udt: string }[]>();
  const columnsOf = async (table: string) => {
    let cols = types.get(table);
    if (!cols) {
      const res = await client.query<{ column_name: string; udt_name: string }>(
        `select column_name, udt_name from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
        [table],
      );
      types.set(table, (cols = res.rows.map((r) => ({ name: r.column_name, udt: r.udt_name }))));
    }
    return cols;
  };
  return {
    dialect: 'postgres',
    get: async (sql, ...params) => (await client.query<Row>(numbered(sql), params)).rows[0],
    all: async (sql, ...params) => (await client.query<Row>(numbered(sql), params)).rows,
    run: async (sql, ...params) => void (await client.query(numbered(sql), params)),
    insertMany: async (table, rows) => {
      if (rows.length === 0) return;
      const udt = new Map((await columnsOf(table)).map((c) => [c.name, c.udt]));
      const names = Object.keys(rows[0]!);
      const casts = names.map((n, i) => `$${i + 1}::${udt.get(n) ?? 'text'}[]`);
      for (let start = 0; start < rows.length; start += PG_BATCH_ROWS) {
        const batch = rows.slice(start, start + PG_BATCH_ROWS);
        await client.query(`insert into ${table} (${names.join(', ')}) select * from unnest(${casts.join(', ')})`, names.map((n) => batch.map((r) => r[n] ?? null)));
      }
    },
    columnKinds: async (table, where, ...params) => {
      const cols = await columnsOf(table);
      const select = cols.map((c) => `case when ${c.name} is null then 'null' else pg_typeof(${c.name})::text end as ${c.name}`).join(', ');
      return (await client.query<Record<string, string>>(numbered(`select ${select} from ${table} where ${where}`), params)).rows[0]!;
    },
    tables: async () =>
      (await client.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`)).rows.map((r) => r.table_name),
    digest: async (table) => {
      const res = await client.query<{ d: string | null }>(`select md5(string_agg(t::text, '|' order by t::text)) as d from "${table}" t`);
      return res.rows[0]?.d ?? '';
    },
    analyze: async (tables) => void (await client.query(`analyze ${tables.join(', ')}`)),
    close: () => client.end(),
  };
}

/** Where a server keeps its data: the SQLite file, or a PostgreSQL URL. */
export type DataSource = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export const openStore = (source: DataSource): Promise<Store> => (source.kind === 'sqlite' ? Promise.resolve(openSqliteStore(source.file)) : openPgStore(source.url));

/** A hash of every table's content; taken around one HTTP issue, it shows which tables an issue writes. */
export async function tableDigests(source: DataSource): Promise<Map<string, string>> {
  const store = await openStore(source);
  try {
    const out = new Map<string, string>();
    for (const t of await store.tables()) out.set(t, await store.digest(t));
    return out;
  } finally {
    await store.close();
  }
}

export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((t) => before.get(t) !== after.get(t)).sort();
}
