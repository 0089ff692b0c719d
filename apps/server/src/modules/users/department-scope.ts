import type { Role } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import { createReadCache } from '../cache/read-cache.js';
import * as repo from './users.repository.js';

/** People whose departments are kept in memory per instance; past it the least recently used are read again. */
const SCOPE_CACHE_MAX_ENTRIES = 10_000;
/** Only a safety net for an invalidation that never arrived (Redis down, a change made elsewhere). */
const SCOPE_CACHE_TTL_MS = 30_000;
/** The one settings key the scope depends on (the invalidation's id when it changes). */
export const ACCESS_SETTING_ID = 'access';

/**
 * Where a person may act, as the Principal carries it: undefined for every department, else the
 * departments' ids. Admins work everywhere; receptionists everywhere while the clinic lets reception
 * do so (the default), else in their own departments; doctors only in theirs, and a doctor with
 * none in none (fail closed). Devices are scoped by their keys, not here.
 *
 * Read on every request, so kept per instance and forgotten on every instance when the user
 * changes (the users service publishes it) or the clinic's access setting does.
 */
export function createDepartmentScope(deps: {
  database: Database;
  receptionistsEverywhere: () => Promise<boolean>;
  invalidation: Pick<CacheInvalidationBus, 'subscribe' | 'catchUp'>;
}) {
  const options = { max: SCOPE_CACHE_MAX_ENTRIES, ttlMs: SCOPE_CACHE_TTL_MS, catchUp: () => deps.invalidation.catchUp() };
  const assigned = createReadCache<{ ids: readonly string[] }>(options);
  const setting = createReadCache<{ everywhere: boolean }>(options);
  deps.invalidation.subscribe((message) => {
    if (message.kind === 'user') assigned.delete(message.id);
    else if (message.kind === 'setting' && message.id === ACCESS_SETTING_ID) setting.clear();
    else if (message.kind === 'everything') {
      assigned.clear();
      setting.clear();
    }
  });

  async function assignedTo(userId: string): Promise<readonly string[]> {
    const found = await assigned.get(userId, async () => ({ ids: (await repo.departmentsOfUsers(deps.database.db, [userId])).get(userId) ?? [] }));
    return found?.ids ?? [];
  }

  return async function departmentScope(userId: string, role: Role): Promise<readonly string[] | undefined> {
    switch (role) {
      case 'admin':
        return undefined;
      case 'receptionist': {
        const found = await setting.get(ACCESS_SETTING_ID, async () => ({ everywhere: await deps.receptionistsEverywhere() }));
        return found?.everywhere === false ? assignedTo(userId) : undefined;
      }
      case 'doctor':
        return assignedTo(userId);
      default:
        return undefined;
    }
  };
}

export type DepartmentScope = ReturnType<typeof createDepartmentScope>;
