import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database as DatabaseConfig } from '../config.js';
import { EncryptedColumns, type KeyHolder } from '../modules/keys/encrypted-columns.js';
import type { DB } from './schema.js';
import { checkpointInBackground } from './wal-checkpointer.js';

export type Dialect = 'sqlite' | 'postgres';

/** A unit of work: runs inside one transaction and either commits whole or changes nothing. */
export type Work<T> = (trx: Kysely<DB>) => Promise<T>;

export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** Where it connects (PostgreSQL's LISTEN needs a connection of its own). */
  readonly config: DatabaseConfig;
  /** Its keyring, once opened (modules/keys/keyring.ts): reads decrypt patients' data through it, writes encrypt with it. */
  readonly keys: KeyHolder;
  /** Runs work in a transaction; on SQLite, works that arrive together share one commit (one fsync). */
  transact<T>(work: Work<T>): Promise<T>;
  close(): Promise<void>;
}

const SQLITE_BUSY_TIMEOUT_MS = 5000;
/**
 * Connections per instance unless DATABASE_POOL_SIZE says otherwise. Few on purpose: the hot commands
 * queue on one department row, and more connections only make more of them wait there (bench/FINDINGS.md
 * §3: 5 against 10 and 20 gave more calls a second at a lower p99, on one instance and on two).
 */
const PG_POOL_SIZE = 5;
/** Upper bound on works sharing one SQLite commit, so one batch never holds the writer for long. */
const MAX_GROUP_COMMIT = 128;
const PG_RETRYABLE = new Set(['40001', '40P01']);
const PG_MAX_ATTEMPTS = 5;

// bigint columns hold epoch milliseconds and counts, well inside Number's exact range.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * Opens (making it when new) the SQLite file: a new file and its folder are readable by this
 * user only (0600, 0700), and SQLite gives its -wal and -shm files the same mode; patients' data
 * is not left to the process umask.
 */
export function openSqlite(path: string): SQLite.Database {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  }
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  // FULL: an acknowledged commit survives a power cut, not only a crash of the process.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  sqlite.pragma('foreign_keys = ON');
  // Deleted and overwritten content is zeroed, not left in free space: plaintext rows encrypted after
  // an upgrade, and values erased, are gone from the file (modules/keys/at-rest.test.ts found them there).
  sqlite.pragma('secure_delete = ON');
  return sqlite;
}

/** Enough for every distinct statement the app sends; past it the oldest is dropped. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * better-sqlite3 compiles a statement on every prepare; Kysely prepares on every query. Keeping the
 * prepared statements by their SQL text saves that work on each of a request's dozen queries.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

interface PendingWork {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit for SQLite: works queued while a commit is under way run together in the next
 * transaction, each inside its own savepoint, so a failing one rolls back alone and the others
 * share a single fsync. Nobody's promise resolves before the commit is durable.
 */
function createSqliteTransactor(db: Kysely<DB>): Database['transact'] {
  const queue: PendingWork[] = [];
  let scheduled = false;
  let running = false;

  const schedule = () => {
    if (scheduled || running || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => void flush());
  };

  async function runBatch(batch: PendingWork[]): Promise<Outcome[]> {
    return db.connection().execute(async (conn) => {
      const outcomes: Outcome[] = [];
      await sql`begin immediate`.execute(conn);
      try {
        for (const item of batch) {
          if (batch.length === 1) {
            outcomes.push({ ok: true, value: await item.work(conn) });
            continue;
          }
          await sql`savepoint work`.execute(conn);
          try {
            const value = await item.work(conn);
            await sql`release work`.execute(conn);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await sql`rollback to work`.execute(conn);
            await sql`release work`.execute(conn);
            outcomes.push({ ok: false, error });
          }
        }
        await sql`commit`.execute(conn);
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
      return outcomes;
    });
  }

  async function flush(): Promise<void> {
    scheduled = false;
    running = true;
    const batch = queue.splice(0, MAX_GROUP_COMMIT);
    try {
      const outcomes = await runBatch(batch);
      outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error)));
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      running = false;
      schedule();
    }
  }

  return <T>(work: Work<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      schedule();
    });
}

function isRetryablePgError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && PG_RETRYABLE.has(String((error as { code?: unknown }).code));
}

/**
 * PostgreSQL: each work its own transaction, run again after a deadlock or serialization failure.
 * Grouping works into one transaction as SQLite does was tried and measured slower here: a group's
 * statements wait for each other on one connection (call-next 40 req/s instead of ~150).
 */
function createPostgresTransactor(db: Kysely<DB>): Database['transact'] {
  return async <T>(work: Work<T>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction().execute(work);
      } catch (error) {
        if (attempt >= PG_MAX_ATTEMPTS || !isRetryablePgError(error)) throw error;
      }
    }
  };
}

export interface DatabaseOptions {
  /** For tests: how often the WAL checkpointer looks (db/wal-checkpointer.ts). */
  checkpointIntervalMs?: number;
  /** What went wrong in the background on SQLite (the checkpoint thread stopped), for the log. */
  onBackgroundProblem?: (message: string) => void;
}

export function createDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Database {
  // Every result passes through it: encrypted columns come back decrypted (once the keyring is open).
  const keys = new EncryptedColumns();
  if (config.kind === 'sqlite') {
    const sqlite = openSqlite(config.path);
    const checkpointer = config.path === ':memory:' ? undefined : checkpointInBackground(sqlite, config.path, options.checkpointIntervalMs, options.onBackgroundProblem);
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), plugins: [keys] });
    const close = async () => {
      // The worker's connection first: the last connection to close checkpoints what is left and removes the WAL.
      await checkpointer?.stop();
      await db.destroy();
    };
    return { db, dialect: 'sqlite', config, keys, transact: createSqliteTransactor(db), close };
  }
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? PG_POOL_SIZE });
  pool.on('connect', nameStatements);
  // An idle client's error (a restarted server) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [keys] });
  return { db, dialect: 'postgres', config, keys, transact: createPostgresTransactor(db), close: () => db.destroy() };
}

/** Named statements a connection keeps prepared; past this many distinct texts, the rest run unnamed. */
const MAX_NAMED_STATEMENTS = 500;

/**
 * Every parameterised query runs as a named prepared statement on its connection: PostgreSQL parses
 * and plans it once per connection instead of on every run (Kysely sends the text each time). The
 * name is a digest of the text, so one text always has one name. Statements without parameters
 * (begin, commit) go as they are.
 */
function nameStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const names = new Map<string, string>();
  (client as { query: unknown }).query = (text: unknown, values?: unknown, ...rest: unknown[]) => {
    if (typeof text !== 'string' || !Array.isArray(values) || rest.length > 0) return query(text, values, ...rest);
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED_STATEMENTS) names.set(text, (name = `st_${createHash('sha1').update(text).digest('base64url')}`));
    return name === undefined ? query(text, values) : query({ name, text, values });
  };
}

/** Throws when the database cannot be reached, with the driver's message. */
export async function ping(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}

/** Unique-constraint violations on either database. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = String((error as { code?: unknown }).code);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
