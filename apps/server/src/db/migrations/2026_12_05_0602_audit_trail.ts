import { PostgresAdapter, sql, type CreateTableBuilder, type Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** The columns an audit event has before and after it is chained. */
function eventColumns<TB extends string>(table: CreateTableBuilder<TB, any>): CreateTableBuilder<TB, any> {
  return table
    .addColumn('id', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'varchar(48)', (c) => c.notNull())
    .addColumn('actor_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)')
    .addColumn('actor_label', 'varchar(200)')
    .addColumn('subject_kind', 'varchar(16)')
    .addColumn('subject_id', 'varchar(64)')
    .addColumn('subject_label', 'varchar(100)')
    .addColumn('action', 'varchar(200)', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('ip', 'varchar(64)')
    .addColumn('request_id', 'varchar(64)')
    .addColumn('details', 'text');
}

export async function up(db: Kysely<any>): Promise<void> {
  // Written in the transaction of the change it records; the chainer moves it into the trail within a second.
  await eventColumns(db.schema.createTable('audit_pending')).execute();
  // The trail: each entry keyed into an HMAC chain (its MAC covers its content and the previous entry's MAC).
  await eventColumns(db.schema.createTable('audit_entries').addColumn('seq', 'bigint', (c) => c.primaryKey()))
    .addColumn('prev_mac', 'varchar(64)', (c) => c.notNull())
    .addColumn('mac', 'varchar(64)', (c) => c.notNull())
    .addColumn('chained_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_entries_at').on('audit_entries').columns(['at']).execute();
  await db.schema.createIndex('audit_entries_actor').on('audit_entries').columns(['actor_id', 'at']).execute();
  await db.schema.createIndex('audit_entries_type').on('audit_entries').columns(['type', 'at']).execute();
  await db.schema.createIndex('audit_entries_subject').on('audit_entries').columns(['subject_id']).execute();
  // Which tokens an entry concerns (a search shows many): "who saw this patient's tokens" is one index lookup.
  await db.schema
    .createTable('audit_records')
    .addColumn('token_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('entry_seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_records_pk', ['token_id', 'entry_seq'])
    .execute();
  await db.schema.createIndex('audit_records_entry').on('audit_records').columns(['entry_seq']).execute();

  // Append-only in the database itself, not only in our code: an UPDATE or DELETE of the trail is refused.
  const refusal = 'the audit trail is append-only';
  if (isPostgres(db)) {
    await sql`create function audit_entries_refuse_change() returns trigger language plpgsql as $$
      begin raise exception ${sql.lit(refusal)} using errcode = 'insufficient_privilege'; end $$`.execute(db);
    await sql`create trigger audit_entries_append_only before update or delete on audit_entries
      for each row execute function audit_entries_refuse_change()`.execute(db);
    await sql`create trigger audit_entries_no_truncate before truncate on audit_entries
      for each statement execute function audit_entries_refuse_change()`.execute(db);
  } else {
    await sql`create trigger audit_entries_no_update before update on audit_entries begin select raise(abort, ${sql.lit(refusal)}); end`.execute(db);
    await sql`create trigger audit_entries_no_delete before delete on audit_entries begin select raise(abort, ${sql.lit(refusal)}); end`.execute(db);
  }
}

/** The dialect, from Kysely's adapter (a failing probe query would abort PostgreSQL's migration transaction). */
function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await sql`drop function if exists audit_entries_refuse_change() cascade`.execute(db);
  await db.schema.dropTable('audit_records').execute();
  await db.schema.dropTable('audit_entries').execute();
  await db.schema.dropTable('audit_pending').execute();
}
