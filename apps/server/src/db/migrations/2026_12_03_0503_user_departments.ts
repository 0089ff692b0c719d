import type { Kysely } from 'kysely';

// Frozen in time: written on Kysely<any> with the schema builder so it runs on SQLite and PostgreSQL alike.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // The departments a person works in: a doctor calls and acts only there (a receptionist too when the clinic confines reception).
  await db.schema
    .createTable('user_departments')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // A department deleted (only possible while no token or counter refers to it) leaves its staff's other departments.
    .addColumn('department_id', 'varchar(64)', (c) => c.notNull().references('departments.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_departments_pk', ['user_id', 'department_id'])
    .execute();
  await db.schema.createIndex('user_departments_department_idx').on('user_departments').column('department_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('user_departments').execute();
}
