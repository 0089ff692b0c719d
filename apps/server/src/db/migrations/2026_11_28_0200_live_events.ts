import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // The outbox of queue events: written in the transaction of the change, numbered per department,
  // so a reconnecting screen can ask for what it missed and nothing is sent for a rolled-back change.
  await db.schema
    .createTable('live_events')
    .addColumn('department_id', 'varchar(64)', (c) => c.notNull().references('departments.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('token_id', 'varchar(64)', (c) => c.notNull().references('tokens.id'))
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('live_events_pk', ['department_id', 'seq'])
    .execute();
  await db.schema.createIndex('live_events_token_idx').on('live_events').column('token_id').execute();
  await db.schema.createIndex('live_events_at_idx').on('live_events').column('at').execute();

  await db.schema
    .createTable('department_event_seqs')
    .addColumn('department_id', 'varchar(64)', (c) => c.primaryKey().references('departments.id'))
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('live_tickets')
    .addColumn('ticket_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('session_id', 'varchar(64)', (c) => c.notNull().references('sessions.id'))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('live_tickets_session_idx').on('live_tickets').column('session_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('live_tickets').execute();
  await db.schema.dropTable('department_event_seqs').execute();
  await db.schema.dropTable('live_events').execute();
}
