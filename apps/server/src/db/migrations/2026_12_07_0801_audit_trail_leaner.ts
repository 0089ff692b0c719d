import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * The audit trail with fewer b-trees to write per entry. Every audited change writes an entry, so
 * each index is paid on every call-next:
 * - `audit_entries.id` loses its unique index: no query reads an entry by id (the trail is read by
 *   seq, time, actor, type and subject), and the id is a fresh UUID written once.
 * - On SQLite, `seq` becomes the table's rowid (`integer primary key`): `bigint primary key` was an
 *   index of its own beside the rowid, so every entry was written twice over.
 * - On SQLite, `audit_records` is stored WITHOUT ROWID: its primary key is the table itself
 *   instead of a second copy of every row.
 * PostgreSQL keeps its heap and primary keys as they are; only the id index goes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`alter table audit_entries drop constraint audit_entries_id_key`.execute(db);
    return;
  }
  await sql`create table audit_entries_next (
    seq integer primary key,
    id varchar(36) not null,
    at bigint not null,
    type varchar(48) not null,
    actor_kind varchar(16) not null,
    actor_id varchar(64),
    actor_label varchar(200),
    subject_kind varchar(16),
    subject_id varchar(64),
    subject_label varchar(100),
    action varchar(200) not null,
    outcome varchar(16) not null,
    ip varchar(64),
    request_id varchar(64),
    details text,
    prev_mac varchar(64) not null,
    mac varchar(64) not null,
    chained_at bigint not null
  )`.execute(db);
  await sql`insert into audit_entries_next (seq, id, at, type, actor_kind, actor_id, actor_label, subject_kind, subject_id, subject_label, action, outcome, ip, request_id, details, prev_mac, mac, chained_at)
    select seq, id, at, type, actor_kind, actor_id, actor_label, subject_kind, subject_id, subject_label, action, outcome, ip, request_id, details, prev_mac, mac, chained_at
    from audit_entries order by seq`.execute(db);
  // Dropping the table drops its indexes and its append-only triggers (a DROP fires no DELETE trigger).
  await sql`drop table audit_entries`.execute(db);
  await sql`alter table audit_entries_next rename to audit_entries`.execute(db);
  await db.schema.createIndex('audit_entries_at').on('audit_entries').columns(['at']).execute();
  await db.schema.createIndex('audit_entries_actor').on('audit_entries').columns(['actor_id', 'at']).execute();
  await db.schema.createIndex('audit_entries_type').on('audit_entries').columns(['type', 'at']).execute();
  await db.schema.createIndex('audit_entries_subject').on('audit_entries').columns(['subject_id']).execute();
  const refusal = 'the audit trail is append-only';
  await sql`create trigger audit_entries_no_update before update on audit_entries begin select raise(abort, ${sql.lit(refusal)}); end`.execute(db);
  await sql`create trigger audit_entries_no_delete before delete on audit_entries begin select raise(abort, ${sql.lit(refusal)}); end`.execute(db);

  await sql`create table audit_records_next (
    token_id varchar(36) not null,
    entry_seq bigint not null,
    constraint audit_records_pk primary key (token_id, entry_seq)
  ) without rowid`.execute(db);
  await sql`insert into audit_records_next (token_id, entry_seq) select token_id, entry_seq from audit_records`.execute(db);
  await sql`drop table audit_records`.execute(db);
  await sql`alter table audit_records_next rename to audit_records`.execute(db);
  await db.schema.createIndex('audit_records_entry').on('audit_records').columns(['entry_seq']).execute();
}

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Back to the shape before: the id unique again (SQLite keeps its leaner tables; their content is the same). */
export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await sql`alter table audit_entries add constraint audit_entries_id_key unique (id)`.execute(db);
}
