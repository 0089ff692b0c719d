import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as queueCore from './migrations/2026_11_28_0100_queue_core.js';
import * as liveEvents from './migrations/2026_11_28_0200_live_events.js';
import * as patientSearch from './migrations/2026_11_28_0300_patient_search.js';
import * as latestCalls from './migrations/2026_12_01_0100_latest_calls.js';
import * as dropUnreadIndexes from './migrations/2026_12_01_0200_drop_unread_indexes.js';
import * as tokensByDay from './migrations/2026_12_02_0201_tokens_by_day.js';
import * as counterHistoryBoardSettings from './migrations/2026_12_02_0300_counter_history_board_settings.js';
import * as setupAdmin from './migrations/2026_12_02_0101_setup_admin.js';
import * as uniqueSetupNames from './migrations/2026_12_02_0102_unique_setup_names.js';
import * as sessionSecurity from './migrations/2026_12_02_0401_session_security.js';

/** Migrations are listed here, not read from the folder, so the built server needs no file scanning. */
const MIGRATIONS: Record<string, Migration> = {
  '2026_11_28_0100_queue_core': queueCore,
  '2026_11_28_0200_live_events': liveEvents,
  '2026_11_28_0300_patient_search': patientSearch,
  '2026_12_01_0100_latest_calls': latestCalls,
  '2026_12_01_0200_drop_unread_indexes': dropUnreadIndexes,
  '2026_12_02_0201_tokens_by_day': tokensByDay,
  '2026_12_02_0300_counter_history_board_settings': counterHistoryBoardSettings,
  '2026_12_02_0101_setup_admin': setupAdmin,
  '2026_12_02_0102_unique_setup_names': uniqueSetupNames,
  '2026_12_02_0401_session_security': sessionSecurity,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(MIGRATIONS) };

export async function migrateToLatest<T>(db: Kysely<T>): Promise<string[]> {
  const migrator = new Migrator({ db: db as Kysely<unknown>, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
