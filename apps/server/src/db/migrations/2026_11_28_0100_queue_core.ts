import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('departments')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('code', 'varchar(6)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('self_check_in', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_wait_minutes', 'integer', (c) => c.notNull())
    .addColumn('max_recalls', 'integer', (c) => c.notNull())
    .addColumn('park_return_after', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('counters')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('department_id', 'varchar(64)', (c) => c.notNull().references('departments.id'))
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('counters_department_idx').on('counters').column('department_id').execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('session_id', 'varchar(64)', (c) => c.notNull().references('sessions.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('refresh_tokens_session_idx').on('refresh_tokens').column('session_id').execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('number', 'varchar(16)', (c) => c.notNull())
    .addColumn('issue_day', 'varchar(10)', (c) => c.notNull())
    .addColumn('issued_department_id', 'varchar(64)', (c) => c.notNull().references('departments.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('department_id', 'varchar(64)', (c) => c.notNull().references('departments.id'))
    .addColumn('priority', 'varchar(16)', (c) => c.notNull())
    .addColumn('lane', 'integer', (c) => c.notNull())
    .addColumn('queued_at', 'bigint', (c) => c.notNull())
    .addColumn('park_remaining', 'integer')
    .addColumn('counter_id', 'varchar(64)', (c) => c.references('counters.id'))
    .addColumn('recall_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('patient_name', 'varchar(120)', (c) => c.notNull())
    .addColumn('phone_e164', 'varchar(20)', (c) => c.notNull())
    .addColumn('phone_last4', 'varchar(4)', (c) => c.notNull())
    .addColumn('language', 'varchar(8)')
    .addColumn('notify_channel', 'varchar(16)')
    .addColumn('status_key_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('called_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addUniqueConstraint('tokens_number_unique', ['issued_department_id', 'issue_day', 'seq'])
    .execute();
  // Call-next seeks the head of each lane through this index: the cost does not grow with the queue.
  await db.schema.createIndex('tokens_call_order_idx').on('tokens').columns(['department_id', 'status', 'lane', 'queued_at', 'id']).execute();
  await db.schema.createIndex('tokens_number_idx').on('tokens').columns(['number', 'issue_day']).execute();
  await db.schema.createIndex('tokens_counter_idx').on('tokens').column('counter_id').execute();

  await db.schema
    .createTable('token_transitions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('token_id', 'varchar(64)', (c) => c.notNull().references('tokens.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('action', 'varchar(16)', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)', (c) => c.references('users.id'))
    .addColumn('actor_label', 'varchar(160)', (c) => c.notNull())
    .addColumn('from_status', 'varchar(16)')
    .addColumn('to_status', 'varchar(16)', (c) => c.notNull())
    .addColumn('from_department_id', 'varchar(64)', (c) => c.references('departments.id'))
    .addColumn('department_id', 'varchar(64)', (c) => c.notNull().references('departments.id'))
    .addColumn('counter_id', 'varchar(64)', (c) => c.references('counters.id'))
    .addColumn('reason', 'varchar(200)')
    .addColumn('before_state', 'text')
    .execute();
  await db.schema.createIndex('token_transitions_token_idx').on('token_transitions').columns(['token_id', 'version']).unique().execute();
  await db.schema.createIndex('token_transitions_department_idx').on('token_transitions').columns(['department_id', 'action', 'at']).execute();
  await db.schema.createIndex('token_transitions_actor_idx').on('token_transitions').column('actor_id').execute();
  await db.schema.createIndex('token_transitions_from_department_idx').on('token_transitions').column('from_department_id').execute();
  await db.schema.createIndex('token_transitions_counter_idx').on('token_transitions').column('counter_id').execute();

  await db.schema
    .createTable('services')
    .addColumn('transition_id', 'varchar(64)', (c) => c.primaryKey().references('token_transitions.id'))
    .addColumn('department_id', 'varchar(64)', (c) => c.notNull().references('departments.id'))
    .addColumn('counter_id', 'varchar(64)', (c) => c.references('counters.id'))
    .addColumn('completed_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('services_department_idx').on('services').columns(['department_id', 'completed_at']).execute();
  await db.schema.createIndex('services_counter_idx').on('services').column('counter_id').execute();

  await db.schema
    .createTable('daily_sequences')
    .addColumn('department_id', 'varchar(64)', (c) => c.notNull().references('departments.id'))
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('last_value', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('daily_sequences_pk', ['department_id', 'day'])
    .execute();

  // How many tokens wait in each lane of each department, kept in the same transaction as every
  // change: a new token's place is a sum of a few rows, however long the line.
  await db.schema
    .createTable('queue_lane_counts')
    .addColumn('department_id', 'varchar(64)', (c) => c.notNull().references('departments.id'))
    .addColumn('lane', 'integer', (c) => c.notNull())
    .addColumn('waiting', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('queue_lane_counts_pk', ['department_id', 'lane'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('scope', 'varchar(100)', (c) => c.notNull())
    .addColumn('key', 'varchar(128)', (c) => c.notNull())
    .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created_idx').on('idempotency_keys').column('created_at').execute();

  await db.schema
    .createTable('failure_lockouts')
    .addColumn('scope', 'varchar(32)', (c) => c.notNull())
    .addColumn('subject', 'varchar(128)', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_started_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addPrimaryKeyConstraint('failure_lockouts_pk', ['scope', 'subject'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'failure_lockouts', 'idempotency_keys', 'queue_lane_counts', 'daily_sequences', 'services', 'token_transitions', 'tokens',
    'refresh_tokens', 'sessions', 'users', 'counters', 'departments',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
