import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // A patient's consent to messages about one visit (token), with what the messages need later.
  await db.schema
    .createTable('notification_consents')
    .addColumn('token_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('channel', 'varchar(16)', (c) => c.notNull())
    .addColumn('consented_at', 'bigint', (c) => c.notNull())
    .addColumn('language', 'varchar(8)')
    // The status link (a secret: it shows the patient's place), encrypted like the patient's phone.
    .addColumn('status_url', 'text', (c) => c.notNull())
    // 1 while "your turn is near" is still to be sent: set at issue and again when the token is parked.
    .addColumn('approach_due', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('late_used_at', 'bigint')
    .addColumn('cancel_asked_at', 'bigint')
    .execute();
  await db.schema.createIndex('notification_consents_approach_due').on('notification_consents').column('approach_due').execute();

  // The outbox: each message is written in the transaction of the change that causes it; workers deliver.
  await db.schema
    .createTable('notification_messages')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    // One message per cause, whatever retries or instances: 'tok:<id>:v<version>:<trigger>', 'approach:<id>:<n>', …
    .addColumn('dedupe_key', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('token_id', 'varchar(64)')
    .addColumn('department_id', 'varchar(64)')
    .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
    // What the patient chose (sms, whatsapp); where it went is `delivered_via` (sms, whatsapp, outbox).
    .addColumn('channel', 'varchar(16)', (c) => c.notNull())
    .addColumn('delivered_via', 'varchar(16)')
    .addColumn('language', 'varchar(8)')
    // The template's values at the moment of the change (number, counter, department; JSON).
    .addColumn('vars', 'text', (c) => c.notNull())
    // Encrypted columns are found by name in any result (modules/keys), so these names are unique.
    // A test message's phone, encrypted; a patient's message reads the token's phone when it is sent.
    .addColumn('to_phone', 'text')
    .addColumn('message_body', 'text')
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'varchar(64)')
    .addColumn('claimed_until', 'bigint')
    .addColumn('provider_id', 'varchar(64)')
    .addColumn('error', 'varchar(500)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notification_messages_due').on('notification_messages').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('notification_messages_token').on('notification_messages').columns(['token_id', 'created_at']).execute();
  await db.schema.createIndex('notification_messages_provider').on('notification_messages').column('provider_id').execute();

  // Numbers that said STOP (by the phone's keyed blind index, never the number itself).
  await db.schema
    .createTable('notification_opt_outs')
    .addColumn('phone_index', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('opted_out_at', 'bigint', (c) => c.notNull())
    .addColumn('via', 'varchar(16)', (c) => c.notNull())
    .execute();

  // Templates the admin changed: '' department for the clinic-wide text (NULLs would not be unique).
  await db.schema
    .createTable('notification_templates')
    .addColumn('department_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('language', 'varchar(8)', (c) => c.notNull())
    .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
    .addColumn('template_text', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_templates_pk', ['department_id', 'language', 'trigger'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_templates').execute();
  await db.schema.dropTable('notification_opt_outs').execute();
  await db.schema.dropTable('notification_messages').execute();
  await db.schema.dropTable('notification_consents').execute();
}
