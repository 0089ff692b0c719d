import type { Kysely, Selectable } from 'kysely';
import type { DataKeysTable, DB } from '../../db/schema.js';

type Db = Kysely<DB>;

export type DataKeyRow = Selectable<DataKeysTable>;

export async function listKeys(db: Db): Promise<DataKeyRow[]> {
  return db.selectFrom('data_keys').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function anyKeys(db: Db): Promise<boolean> {
  return (await db.selectFrom('data_keys').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** Inserts keys; one that exists already (another instance made it first) is left as it is. */
export async function insertKeys(db: Db, rows: DataKeyRow[]): Promise<void> {
  await db.insertInto('data_keys').values(rows).onConflict((oc) => oc.column('id').doNothing()).execute();
}

export async function activateKey(db: Db, id: string, at: number): Promise<void> {
  await db.updateTable('data_keys').set({ activated_at: at }).where('id', '=', id).where('activated_at', 'is', null).execute();
}

/** Retires every data key but the current one; returns the ids it retired. */
export async function retireDataKeysBut(db: Db, currentId: string, at: number): Promise<string[]> {
  const rows = await db
    .updateTable('data_keys')
    .set({ retired_at: at })
    .where('purpose', '=', 'data')
    .where('id', '<>', currentId)
    .where('retired_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}
