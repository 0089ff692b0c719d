import { createHash } from 'node:crypto';
import { type AccessSettings, type Branding, type BrandingBody, type PublicBranding, type StatusAddress } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { iso, type Clock } from '../../lib/clock.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import { ACCESS_SETTING_ID } from '../users/department-scope.js';
import { parseLogo, type LogoType } from './logo.js';
import * as repo from './settings.repository.js';
import { BY_SYSTEM, entryBy, type AuditBy, type AuditTrail } from '../audit/audit.js';

const LOGO_KEY = 'branding.logo';
/** Who works where (receptionists everywhere or in their own departments). */
const ACCESS_KEY = 'access';
const DEFAULT_ACCESS: AccessSettings = { receptionistsEverywhere: true };
export const LOGO_PATH = '/api/v1/public/branding/logo';

interface StoredLogo {
  type: LogoType;
  base64: string;
}

export interface ServedLogo {
  type: LogoType;
  bytes: Buffer;
  version: string;
}

/** Hosts that mean "this machine": a phone that opens them reaches itself, not the clinic's server. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || /^127\./.test(host);
}

export function createSettingsService(deps: {
  database: Database;
  clock: Clock;
  publicUrl: string;
  /** Tells every instance that the access setting changed (their caches of it start over). */
  invalidation: Pick<CacheInvalidationBus, 'publish'>;
  /** LOGO_MAX_KB in bytes (config.uploadLimits); the contracts' 96 KB when not given. */
  logoMaxBytes?: number;
  audit: AuditTrail;
}) {
  const { database, clock, publicUrl, audit } = deps;
  const { db } = database;

  async function storedLogo(): Promise<StoredLogo | undefined> {
    const row = await repo.readSetting(db, LOGO_KEY);
    return row ? ((JSON.parse(row.value) as StoredLogo | null) ?? undefined) : undefined;
  }

  const statusUrl = `${publicUrl}/status`;

  return {
    async branding(): Promise<Branding> {
      const { branding, updatedAt } = await repo.readBranding(db);
      const logo = branding.logo ? await storedLogo() : undefined;
      return {
        clinicName: branding.clinicName,
        logoDataUrl: logo ? `data:${logo.type};base64,${logo.base64}` : null,
        updatedAt: updatedAt === null ? null : iso(updatedAt),
      };
    },

    /** Replaces the clinic's name and logo (null: no logo); a bad logo changes nothing. */
    async setBranding(input: BrandingBody, by: AuditBy = BY_SYSTEM): Promise<Branding> {
      const logo = input.logoDataUrl === null ? null : parseLogo(input.logoDataUrl, deps.logoMaxBytes);
      const now = clock.now();
      const version = logo ? createHash('sha256').update(logo.bytes).digest('hex').slice(0, 16) : null;
      const branding: repo.StoredBranding = { clinicName: input.clinicName, logo: logo && version ? { type: logo.type, version } : null };
      await database.transact(async (trx) => {
        await repo.writeSetting(trx, repo.BRANDING_KEY, JSON.stringify(branding), now);
        const kept: StoredLogo | null = logo ? { type: logo.type, base64: logo.bytes.toString('base64') } : null;
        await repo.writeSetting(trx, LOGO_KEY, JSON.stringify(kept), now);
        await audit.record(trx, entryBy(by, { type: 'admin.settings.updated', action: 'branding', subject: { kind: 'settings', id: repo.BRANDING_KEY }, details: { clinicName: input.clinicName, logo: version } }));
      });
      return {
        clinicName: branding.clinicName,
        logoDataUrl: logo ? `data:${logo.type};base64,${logo.bytes.toString('base64')}` : null,
        updatedAt: iso(now),
      };
    },

    async publicBranding(): Promise<PublicBranding> {
      const { branding } = await repo.readBranding(db);
      return {
        clinicName: branding.clinicName,
        logoUrl: branding.logo ? `${LOGO_PATH}?v=${branding.logo.version}` : null,
        statusUrl,
      };
    },

    async logo(): Promise<ServedLogo | undefined> {
      const { branding } = await repo.readBranding(db);
      if (!branding.logo) return undefined;
      const logo = await storedLogo();
      return logo ? { type: logo.type, bytes: Buffer.from(logo.base64, 'base64'), version: branding.logo.version } : undefined;
    },

    /** Who works where; receptionists work everywhere until an admin confines them. */
    async access(): Promise<AccessSettings> {
      const row = await repo.readSetting(db, ACCESS_KEY);
      return row ? { ...DEFAULT_ACCESS, ...(JSON.parse(row.value) as Partial<AccessSettings>) } : DEFAULT_ACCESS;
    },

    /** Effective from every person's next request, on every instance. */
    async setAccess(input: AccessSettings, by: AuditBy = BY_SYSTEM): Promise<AccessSettings> {
      await database.transact(async (trx) => {
        await repo.writeSetting(trx, ACCESS_KEY, JSON.stringify(input), clock.now());
        await audit.record(trx, entryBy(by, { type: 'admin.settings.updated', action: 'access', subject: { kind: 'settings', id: ACCESS_KEY }, details: { ...input } }));
      });
      await deps.invalidation.publish({ kind: 'setting', id: ACCESS_SETTING_ID });
      return input;
    },

    statusAddress(): StatusAddress {
      return { publicUrl, statusUrl, reachableFromPhones: !isLoopbackUrl(publicUrl) };
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
