import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/**
 * SQLite's counter of commits made by other connections (other processes) since this connection
 * last looked; our own commits leave it unchanged. Reads shared memory only, no disk.
 */
export async function sqliteDataVersion(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(db);
  return rows[0]?.data_version ?? 0;
}
