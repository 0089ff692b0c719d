import { NOTIFICATION_TRIGGERS, departmentNotificationsSchema, type DepartmentNotifications, type UpdateDepartmentNotifications } from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { readSetting, writeSetting } from '../settings/settings.repository.js';

/** Every trigger on, every channel on: a department that never touched its settings tells patients everything. */
export function defaultSettings(departmentId: string): DepartmentNotifications {
  return {
    departmentId,
    channels: { sms: true, whatsapp: true, push: true },
    triggers: Object.fromEntries(NOTIFICATION_TRIGGERS.map((t) => [t, true])) as DepartmentNotifications['triggers'],
    approach: { position: 3, minutes: 10 },
    maxMessagesPerToken: 10,
  };
}

/** Saved settings over the defaults, channel by channel: a setting saved before a channel existed gets that channel's default. */
export function fromStored(departmentId: string, json: string): DepartmentNotifications {
  const defaults = defaultSettings(departmentId);
  const saved = JSON.parse(json) as Partial<DepartmentNotifications>;
  const merged = departmentNotificationsSchema.safeParse({
    ...defaults,
    ...saved,
    channels: { ...defaults.channels, ...saved.channels },
    triggers: { ...defaults.triggers, ...saved.triggers },
    departmentId,
  });
  return merged.success ? merged.data : defaults;
}

const keyOf = (departmentId: string) => `notifications.department.${departmentId}`;
/** Read often (each message, each sweep), changed rarely: a short cache per instance. */
const CACHE_MS = 2_000;

export function createDepartmentSettings(deps: { db: Kysely<DB>; now: () => number }) {
  const cache = new Map<string, { at: number; value: DepartmentNotifications }>();

  async function read(departmentId: string, trx: Kysely<DB> = deps.db): Promise<DepartmentNotifications> {
    const hit = cache.get(departmentId);
    if (hit && deps.now() - hit.at < CACHE_MS && trx === deps.db) return hit.value;
    const row = await readSetting(trx, keyOf(departmentId));
    const value = row ? fromStored(departmentId, row.value) : defaultSettings(departmentId);
    if (trx === deps.db) cache.set(departmentId, { at: deps.now(), value });
    return value;
  }

  return {
    read,
    async update(departmentId: string, change: UpdateDepartmentNotifications, trx: Kysely<DB> = deps.db): Promise<DepartmentNotifications> {
      const current = await read(departmentId, trx);
      const next: DepartmentNotifications = {
        ...current,
        ...(change.approach && { approach: change.approach }),
        ...(change.maxMessagesPerToken !== undefined && { maxMessagesPerToken: change.maxMessagesPerToken }),
        channels: { ...current.channels, ...change.channels },
        triggers: { ...current.triggers, ...change.triggers },
      };
      await writeSetting(trx, keyOf(departmentId), JSON.stringify(next), deps.now());
      cache.delete(departmentId);
      return next;
    },
  };
}

export type DepartmentSettings = ReturnType<typeof createDepartmentSettings>;
