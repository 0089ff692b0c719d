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
import * as twoFactor from './migrations/2026_12_03_0501_two_factor.js';
import * as devices from './migrations/2026_12_03_0502_devices.js';
import * as userDepartments from './migrations/2026_12_03_0503_user_departments.js';
import * as securityEventCounts from './migrations/2026_12_03_0504_security_event_counts.js';
import * as recoveryCodesArgon2 from './migrations/2026_12_04_0505_recovery_codes_argon2.js';
import * as patientEncryption from './migrations/2026_12_05_0601_patient_encryption.js';
import * as auditTrail from './migrations/2026_12_05_0602_audit_trail.js';
import * as backups from './migrations/2026_12_05_0603_backups.js';
import * as notifications from './migrations/2026_12_06_0701_notifications.js';
import * as pushSubscriptions from './migrations/2026_12_06_0702_push_subscriptions.js';
import * as auditTrailLeaner from './migrations/2026_12_07_0801_audit_trail_leaner.js';
import * as notificationIndexes from './migrations/2026_12_07_0901_notification_indexes.js';
import * as partialProviderIndex from './migrations/2026_12_08_0901_partial_provider_index.js';

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
  '2026_12_03_0501_two_factor': twoFactor,
  '2026_12_03_0502_devices': devices,
  '2026_12_03_0503_user_departments': userDepartments,
  '2026_12_03_0504_security_event_counts': securityEventCounts,
  '2026_12_04_0505_recovery_codes_argon2': recoveryCodesArgon2,
  '2026_12_05_0601_patient_encryption': patientEncryption,
  '2026_12_05_0602_audit_trail': auditTrail,
  '2026_12_05_0603_backups': backups,
  '2026_12_06_0701_notifications': notifications,
  '2026_12_06_0702_push_subscriptions': pushSubscriptions,
  '2026_12_07_0801_audit_trail_leaner': auditTrailLeaner,
  '2026_12_07_0901_notification_indexes': notificationIndexes,
  '2026_12_08_0901_partial_provider_index': partialProviderIndex,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(MIGRATIONS) };

export async function migrateToLatest<T>(db: Kysely<T>): Promise<string[]> {
  const migrator = new Migrator({ db: db as Kysely<unknown>, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Migrates up (or down) to the named migration: tests of a migration start from the state before it. */
export async function migrateTo<T>(db: Kysely<T>, name: string): Promise<void> {
  const { error } = await new Migrator({ db: db as Kysely<unknown>, provider }).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
}
