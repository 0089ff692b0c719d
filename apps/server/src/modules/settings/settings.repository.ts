import type { Kysely } from 'kysely';
import { DEFAULT_CLINIC_NAME } from '@smart-token/contracts';
import type { DB } from '../../db/schema.js';
import type { LogoType } from './logo.js';

type Db = Kysely<DB>;

/** The small part every screen reads (name, and which logo); the picture itself is kept apart. */
export const BRANDING_KEY = 'branding';

export interface StoredBranding {
  clinicName: string;
  logo: { type: LogoType; version: string } | null;
}

/** The clinic's name and which logo (the picture itself is read apart); the defaults when never saved. */
export async function readBranding(db: Db): Promise<{ branding: StoredBranding; updatedAt: number | null }> {
  const row = await readSetting(db, BRANDING_KEY);
  if (!row) return { branding: { clinicName: DEFAULT_CLINIC_NAME, logo: null }, updatedAt: null };
  return { branding: JSON.parse(row.value) as StoredBranding, updatedAt: row.updated_at };
}

/** The clinic's name, as patients' messages give it (without reading the logo). */
export async function readClinicName(db: Db): Promise<string> {
  return (await readBranding(db)).branding.clinicName;
}

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
