import type { Insertable, Kysely, Selectable } from 'kysely';
import type { DB, DevicesTable } from '../../db/schema.js';

export type DeviceRow = Selectable<DevicesTable>;
type Db = Kysely<DB>;

export async function insertDevice(db: Db, row: Insertable<DevicesTable>, departmentIds: readonly string[]): Promise<void> {
  await db.insertInto('devices').values(row).execute();
  await db
    .insertInto('device_departments')
    .values(departmentIds.map((department_id) => ({ device_id: row.id, department_id })))
    .execute();
}

export async function findDevice(db: Db, id: string): Promise<DeviceRow | undefined> {
  return db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The device whose API key or paired screen's key hashes to this. */
export async function findDeviceByKeyHash(db: Db, keyHash: string): Promise<DeviceRow | undefined> {
  return db
    .selectFrom('devices')
    .selectAll()
    .where((eb) => eb.or([eb('key_hash', '=', keyHash), eb('screen_key_hash', '=', keyHash)]))
    .executeTakeFirst();
}

export async function listDevices(db: Db): Promise<DeviceRow[]> {
  return db.selectFrom('devices').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
}

/** Device id → its departments, for the devices named (every device when none are). */
export async function departmentsOfDevices(db: Db, deviceIds?: readonly string[]): Promise<Map<string, string[]>> {
  let query = db.selectFrom('device_departments').select(['device_id', 'department_id']).orderBy('department_id');
  if (deviceIds) {
    if (deviceIds.length === 0) return new Map();
    query = query.where('device_id', 'in', deviceIds);
  }
  const byDevice = new Map<string, string[]>();
  for (const row of await query.execute()) {
    const list = byDevice.get(row.device_id);
    if (list) list.push(row.department_id);
    else byDevice.set(row.device_id, [row.department_id]);
  }
  return byDevice;
}

/** Which of these departments exist. */
export async function existingDepartments(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('departments').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

/** Revokes the device (once); true when this call revoked it. Its pairing codes go with it. */
export async function revokeDevice(db: Db, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('devices').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  await db.deleteFrom('device_pairing_codes').where('device_id', '=', id).execute();
  return Number(result.numUpdatedRows) > 0;
}

export async function touchDevice(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('devices').set({ last_used_at: now }).where('id', '=', id).execute();
}

/** The device's one live pairing code: any earlier one stops working. */
export async function replacePairingCode(db: Db, row: { code_hash: string; device_id: string; created_at: number; expires_at: number }): Promise<void> {
  await db.deleteFrom('device_pairing_codes').where('device_id', '=', row.device_id).execute();
  await db.insertInto('device_pairing_codes').values({ ...row, used_at: null }).execute();
}

/**
 * Spends a pairing code if it is unused, unexpired and its device not revoked, in one statement
 * (two screens typing one code at once: one gets it). Returns the device id.
 */
export async function spendPairingCode(db: Db, codeHash: string, now: number): Promise<string | undefined> {
  const row = await db
    .updateTable('device_pairing_codes')
    .set({ used_at: now })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('device_id')
    .executeTakeFirst();
  return row?.device_id;
}

export async function setScreenKey(db: Db, deviceId: string, screenKeyHash: string): Promise<void> {
  await db.updateTable('devices').set({ screen_key_hash: screenKeyHash }).where('id', '=', deviceId).execute();
}

/** Codes that can no longer be used, so the table holds only live ones. */
export async function deletePairingCodesBefore(db: Db, before: number): Promise<void> {
  await db.deleteFrom('device_pairing_codes').where('expires_at', '<', before).execute();
}
