import { sql, type Kysely } from 'kysely';
import { prepared } from '../../db/prepared.js';
import type { DB } from '../../db/schema.js';

/** Asked before every cached read: prepared (db/prepared.ts), built and compiled once. */
const dataVersionQuery = prepared(() => sql<{ data_version: number }>`pragma data_version`);

/**
 * SQLite's counter of commits made by other connections (other processes) since this connection
 * last looked; our own commits leave it unchanged. Reads shared memory only, no disk.
 */
export async function sqliteDataVersion(db: Kysely<DB>): Promise<number> {
  const { rows } = await dataVersionQuery(db, {});
  return rows[0]?.data_version ?? 0;
}
