import { sql, type Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Boards and kiosks: an API key bound to a role, to departments and (boards) to a privacy profile.
  await db.schema
    .createTable('devices')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    // sha256 of the whole key (256 random bits: a slow hash would add nothing but cost per request).
    .addColumn('key_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('prefix', 'varchar(16)', (c) => c.notNull())
    // The key of the one screen paired with the device (held in its cookie), hashed; a new pairing replaces it.
    .addColumn('screen_key_hash', 'varchar(64)', (c) => c.unique())
    .addColumn('privacy', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(64)', (c) => c.references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('devices_created_by_idx').on('devices').column('created_by').execute();

  await db.schema
    .createTable('device_departments')
    .addColumn('device_id', 'varchar(64)', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    // A department deleted (only possible while nothing else refers to it) leaves its devices' other departments.
    .addColumn('department_id', 'varchar(64)', (c) => c.notNull().references('departments.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('device_departments_pk', ['device_id', 'department_id'])
    .execute();
  await db.schema.createIndex('device_departments_department_idx').on('device_departments').column('department_id').execute();

  // One-time codes a screen is paired with: hashed, short-lived, spent on use.
  await db.schema
    .createTable('device_pairing_codes')
    .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('device_id', 'varchar(64)', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('device_pairing_codes_device_idx').on('device_pairing_codes').column('device_id').execute();

  // Self check-in becomes a mode: a department that took it (1) takes it at its kiosks, as it did; 0 stays off.
  await db.schema.alterTable('departments').addColumn('self_check_in_mode', 'varchar(8)', (c) => c.notNull().defaultTo('kiosk')).execute();
  await sql`update departments set self_check_in_mode = case when self_check_in = 1 then 'kiosk' else 'off' end`.execute(db);
  await db.schema.alterTable('departments').dropColumn('self_check_in').execute();
  await db.schema.alterTable('departments').renameColumn('self_check_in_mode', 'self_check_in').execute();
  // How often the phone join code rotates: 'daily', 'hourly', or null for the server's default.
  await db.schema.alterTable('departments').addColumn('join_code_rotation', 'varchar(8)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('departments').dropColumn('join_code_rotation').execute();
  await db.schema.alterTable('departments').addColumn('self_check_in_flag', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update departments set self_check_in_flag = case when self_check_in = 'off' then 0 else 1 end`.execute(db);
  await db.schema.alterTable('departments').dropColumn('self_check_in').execute();
  await db.schema.alterTable('departments').renameColumn('self_check_in_flag', 'self_check_in').execute();
  await db.schema.dropTable('device_pairing_codes').execute();
  await db.schema.dropTable('device_departments').execute();
  await db.schema.dropTable('devices').execute();
}
