import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

type Db = Kysely<DB>;

/**
 * Takes the day's backup for this instance: the first to insert the day's row has it; a row whose
 * run never finished and whose lease has expired (a crash, a failure) is taken over. The update's
 * condition is re-checked under the row's lock, so two instances taking over at once get one lease.
 * A run that failed (it says why) is tried again sooner than one that may still be running.
 */
export async function claimDay(db: Db, input: { day: string; instance: string; now: number; leaseMs: number; retryMs: number }): Promise<boolean> {
  const inserted = await db
    .insertInto('backup_runs')
    .values({ day: input.day, instance: input.instance, started_at: input.now, finished_at: null, file: null, error: null })
    .onConflict((oc) => oc.column('day').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return true;
  const taken = await db
    .updateTable('backup_runs')
    .set({ instance: input.instance, started_at: input.now, error: null })
    .where('day', '=', input.day)
    .where('finished_at', 'is', null)
    .where((eb) => eb.or([eb('started_at', '<', input.now - input.leaseMs), eb.and([eb('error', 'is not', null), eb('started_at', '<', input.now - input.retryMs)])]))
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) > 0;
}

export async function finishDay(db: Db, input: { day: string; instance: string; now: number; file: string }): Promise<void> {
  await db.updateTable('backup_runs').set({ finished_at: input.now, file: input.file, error: null }).where('day', '=', input.day).where('instance', '=', input.instance).execute();
}

/** Keeps the lease (it expires on its own, then the day is tried again) and says why the run failed. */
export async function failDay(db: Db, input: { day: string; instance: string; error: string }): Promise<void> {
  await db.updateTable('backup_runs').set({ error: input.error.slice(0, 500) }).where('day', '=', input.day).where('instance', '=', input.instance).execute();
}

export async function runOfDay(db: Db, day: string) {
  return db.selectFrom('backup_runs').selectAll().where('day', '=', day).executeTakeFirst();
}

export async function countTokens(db: Db): Promise<number> {
  const row = await db.selectFrom('tokens').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

// PostgreSQL only, below.

/** Exports the transaction's snapshot, so pg_dump copies exactly what this transaction sees. */
export async function exportSnapshot(trx: Db): Promise<string> {
  const { rows } = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx);
  return rows[0]!.id;
}

/** The server's version as a number: 150020 for 15.20. */
export async function serverVersionNum(db: Db): Promise<number> {
  const { rows } = await sql<{ v: string }>`select current_setting('server_version_num') as v`.execute(db);
  return Number(rows[0]!.v);
}

/** Other clients connected to this database (a running server), this session aside. */
export async function otherClientSessions(db: Db): Promise<number> {
  const { rows } = await sql<{ n: string | number }>`select count(*) as n from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`.execute(db);
  return Number(rows[0]!.n);
}

/**
 * The scratch database a restore is checked in. Its name is built from a number only (never from
 * input), here and in scratchDatabaseName, which must agree.
 */
export async function createScratchDatabase(db: Db, n: number): Promise<void> {
  await sql`create database ${sql.id(`smart_token_restore_check_${n}`)}`.execute(db);
}

export async function dropScratchDatabase(db: Db, n: number): Promise<void> {
  await sql`drop database if exists ${sql.id(`smart_token_restore_check_${n}`)} with (force)`.execute(db);
}

export const scratchDatabaseName = (n: number): string => `smart_token_restore_check_${n}`;
