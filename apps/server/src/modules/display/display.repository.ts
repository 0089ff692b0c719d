import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../../db/schema.js';

/** A department's board settings (migration 2026_12_02_0300); a department without a row uses the defaults. */
export interface BoardSettingsTable {
  department_id: string;
  ticker: string;
  tile_fade_minutes: number;
  updated_at: number;
}
export type BoardSettingsRow = Selectable<BoardSettingsTable>;

type Db = Kysely<DB>;
// The table is this module's own: its type joins the shared schema here rather than in db/schema.ts.
const withBoardSettings = (db: Db) => db.withTables<{ board_settings: BoardSettingsTable }>();

export async function findBoardSettings(db: Db, departmentId: string): Promise<BoardSettingsRow | undefined> {
  return withBoardSettings(db).selectFrom('board_settings').selectAll().where('department_id', '=', departmentId).executeTakeFirst();
}

/** Writes the whole row (insert or replace), so two admins saving at once leave one of their versions, never a mix. */
export async function saveBoardSettings(db: Db, row: BoardSettingsRow): Promise<void> {
  await withBoardSettings(db)
    .insertInto('board_settings')
    .values(row)
    .onConflict((oc) => oc.column('department_id').doUpdateSet({ ticker: row.ticker, tile_fade_minutes: row.tile_fade_minutes, updated_at: row.updated_at }))
    .execute();
}
