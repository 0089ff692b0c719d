import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

type Db = Kysely<DB>;

export async function readSetting(db: Db, key: string): Promise<{ value: string; updated_at: number } | undefined> {
  return db.selectFrom('settings').select(['value', 'updated_at']).where('key', '=', key).executeTakeFirst();
}

export async function writeSetting(db: Db, key: string, value: string, at: number): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at }))
    .execute();
}

/** Replaces a setting's value if it is still `expected` (a re-encryption racing an admin's save leaves the save alone). */
export async function replaceSetting(db: Db, key: string, expected: string, value: string): Promise<boolean> {
  const result = await db.updateTable('settings').set({ value }).where('key', '=', key).where('value', '=', expected).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
