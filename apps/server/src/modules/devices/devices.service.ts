import { randomInt } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { CreateDeviceBody, CreatedDevice, Device, DeviceRole, PairedDevice, PairingCode, PrivacyProfile } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { AppError, ConflictError, InvalidCredentialsError, NotFoundError, RateLimitedError, UnauthenticatedError, ValidationError } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { newId, newSecret, sha256 } from '../../lib/ids.js';
import { csrfTokenFor } from '../auth/access-tokens.js';
import type { Principal } from '../auth/auth.service.js';
import type { RequestContext, SecurityLog } from '../auth/security-log.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import { createReadCache } from '../cache/read-cache.js';
import { clearFailures, countFailureUnlessLocked, type LockoutPolicy } from '../lockouts/lockouts.js';
import * as repo from './devices.repository.js';
import { entryBy, type AuditBy, type AuditTrail } from '../audit/audit.js';

/** A pairing code is typed on a TV remote or a kiosk's keypad within minutes of being shown. */
export const PAIRING_CODE_TTL_MS = 10 * 60_000;
const PAIRING_CODE_DIGITS = 8;
/** Every key starts with this, so a leaked one is recognised (and secret scanners can match it). */
const KEY_PREFIX = 'stk_';
/** Characters of the key after `stk_` that stay visible in the list. */
const VISIBLE_CHARS = 6;
/** 256 random bits: nobody guesses a key, so a fast hash stores it safely. */
const KEY_SECRET_BYTES = 32;
/** Last use is written at most this often per device and instance. */
const TOUCH_EVERY_MS = 60_000;
/** A device key used again after this long without use is worth a security event (a board switched back on). */
const USED_AGAIN_AFTER_MS = 60 * 60_000;
const CACHE_MAX_ENTRIES = 5000;
/** Only a safety net: a revocation reaches every instance through the bus at once. */
const CACHE_TTL_MS = 30_000;

/** Wrong pairing codes from one address: 5 in 15 minutes lock that address out of pairing for 15 minutes. */
export const PAIRING_LOCKOUT: LockoutPolicy = { scope: 'device-pairing', maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
/**
 * Wrong pairing codes from everywhere: a guesser spread over many addresses still gets at most
 * this many tries at the 10^8 codes per 15 minutes (pairing is an admin's rare act; it waits).
 */
export const PAIRING_LOCKOUT_ALL: LockoutPolicy = { scope: 'device-pairing-all', maxFailures: 100, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
const EVERYONE = '*';

/** The device's principal id: its sessions, tickets and CSRF token are keyed by it. */
export const deviceSessionId = (deviceId: string): string => `device:${deviceId}`;
export const deviceIdOfSession = (sessionId: string): string | undefined => (sessionId.startsWith('device:') ? sessionId.slice('device:'.length) : undefined);

interface CachedDevice {
  id: string;
  name: string;
  role: DeviceRole;
  privacy: PrivacyProfile;
  departmentIds: readonly string[];
  revokedAt: number | null;
  lastUsedAt: number | null;
}

function newKey(): { key: string; prefix: string } {
  const secret = newSecret(KEY_SECRET_BYTES);
  const visible = newSecret(6).replace(/[-_]/g, '').toLowerCase().slice(0, VISIBLE_CHARS).padEnd(VISIBLE_CHARS, '0');
  return { key: `${KEY_PREFIX}${visible}_${secret}`, prefix: `${KEY_PREFIX}${visible}` };
}

const newPairingCode = (): string => String(randomInt(0, 10 ** PAIRING_CODE_DIGITS)).padStart(PAIRING_CODE_DIGITS, '0');

export function createDevicesService(deps: {
  database: Database;
  clock: Clock;
  jwtSecret: Uint8Array;
  invalidation: Pick<CacheInvalidationBus, 'publish' | 'subscribe' | 'catchUp'>;
  security: SecurityLog;
  audit: AuditTrail;
}) {
  const { database, clock, jwtSecret, invalidation, security, audit } = deps;
  /** An admin's change of devices, as the audit trail records it (in the change's transaction). */
  const byAdmin = (actor: { userId: string; context: RequestContext }): AuditBy => ({ actor: { kind: 'user', id: actor.userId }, ip: actor.context.ip, requestId: actor.context.requestId });
  const { db } = database;

  // Every request of a board or kiosk presents its key: keep the device, and forget it on every
  // instance when it is revoked (the revoking instance publishes it).
  const byKeyHash = createReadCache<CachedDevice>({ max: CACHE_MAX_ENTRIES, ttlMs: CACHE_TTL_MS, catchUp: () => invalidation.catchUp() });
  const lastTouched = new LRUCache<string, number>({ max: CACHE_MAX_ENTRIES });
  invalidation.subscribe((message) => {
    if (message.kind === 'device') byKeyHash.deleteWhere((d) => d.id === message.id);
    else if (message.kind === 'department' || message.kind === 'everything') byKeyHash.clear();
  });

  async function loadByKeyHash(keyHash: string): Promise<CachedDevice | undefined> {
    const row = await repo.findDeviceByKeyHash(db, keyHash);
    if (!row) return undefined;
    const departments = await repo.departmentsOfDevices(db, [row.id]);
    return { id: row.id, name: row.name, role: row.role, privacy: row.privacy, departmentIds: departments.get(row.id) ?? [], revokedAt: row.revoked_at, lastUsedAt: row.last_used_at };
  }

  function toDevice(row: repo.DeviceRow, departmentIds: string[]): Device {
    return {
      id: row.id,
      name: row.name,
      role: row.role,
      prefix: row.prefix,
      departmentIds,
      privacy: row.privacy,
      createdAt: iso(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : iso(Math.max(row.last_used_at, lastTouched.get(row.id) ?? 0)),
      ...(row.revoked_at !== null && { revokedAt: iso(row.revoked_at) }),
    };
  }

  const principalOf = (device: CachedDevice): Principal => ({
    userId: deviceSessionId(device.id),
    sessionId: deviceSessionId(device.id),
    email: '',
    name: device.name,
    role: device.role,
    passwordChangeRequired: false,
    departmentIds: device.departmentIds,
    device: { id: device.id, privacy: device.privacy },
  });

  async function issuePairingCode(trx: typeof db, deviceId: string, now: number): Promise<PairingCode> {
    const pairingCode = newPairingCode();
    const expiresAt = now + PAIRING_CODE_TTL_MS;
    await repo.replacePairingCode(trx, { code_hash: sha256(`pairing:${pairingCode}`), device_id: deviceId, created_at: now, expires_at: expiresAt });
    return { pairingCode, expiresAt: iso(expiresAt) };
  }

  /** What a paired screen learns of itself, and the CSRF token its writes carry. */
  function describe(principal: Principal): PairedDevice {
    if (!principal.device) throw new ValidationError('Only a paired board or kiosk has a device.');
    return {
      device: { id: principal.device.id, name: principal.name, role: principal.role as DeviceRole, departmentIds: [...(principal.departmentIds ?? [])], privacy: principal.device.privacy },
      csrfToken: csrfTokenFor(jwtSecret, principal.sessionId),
    };
  }

  async function requireDevice(id: string): Promise<repo.DeviceRow> {
    const row = await repo.findDevice(db, id);
    if (!row) throw new NotFoundError(`There is no device ${id}.`);
    return row;
  }

  return {
    async create(input: CreateDeviceBody, actor: { userId: string; context: RequestContext }): Promise<CreatedDevice> {
      const departmentIds = [...new Set(input.departmentIds)];
      if (input.role === 'kiosk' && input.privacy === 'initials') {
        throw new ValidationError('A kiosk shows no queue: privacy applies to boards only.', [{ path: 'body.privacy', message: 'boards only' }]);
      }
      const now = clock.now();
      const id = newId();
      const { key, prefix } = newKey();
      const pairing = await database.transact(async (trx) => {
        const existing = await repo.existingDepartments(trx, departmentIds);
        const missing = departmentIds.filter((d) => !existing.has(d));
        if (missing.length > 0) {
          throw new ValidationError(`There is no department ${missing.join(', ')}.`, missing.map(() => ({ path: 'body.departmentIds', message: 'no such department' })));
        }
        await repo.insertDevice(
          trx,
          { id, name: input.name, role: input.role, key_hash: sha256(key), prefix, screen_key_hash: null, privacy: input.privacy ?? 'token', created_by: actor.userId.startsWith('device:') ? null : actor.userId, created_at: now, last_used_at: null, revoked_at: null },
          departmentIds,
        );
        await audit.record(trx, entryBy(byAdmin(actor), { type: 'admin.device.created', action: 'create', subject: { kind: 'device', id, label: input.name }, details: { role: input.role, prefix, departmentIds } }));
        return issuePairingCode(trx, id, now);
      });
      security.record({ type: 'device.created', deviceId: id, actorId: actor.userId, reason: `${input.role} ${prefix}`, context: actor.context });
      return { id, name: input.name, role: input.role, prefix, key, ...pairing };
    },

    async list(): Promise<Device[]> {
      const [rows, departments] = await Promise.all([repo.listDevices(db), repo.departmentsOfDevices(db)]);
      return rows.map((row) => toDevice(row, departments.get(row.id) ?? []));
    },

    /** The key (and the paired screen's) is refused from the next request on every instance; its sockets close. */
    async revoke(id: string, actor: { userId: string; context: RequestContext }): Promise<void> {
      const now = clock.now();
      const revoked = await database.transact(async (trx) => {
        const device = await repo.findDevice(trx, id);
        if (!device) throw new NotFoundError(`There is no device ${id}.`);
        const changed = await repo.revokeDevice(trx, id, now);
        if (changed) await audit.record(trx, entryBy(byAdmin(actor), { type: 'admin.device.revoked', action: 'revoke', subject: { kind: 'device', id, label: device.name } }));
        return changed;
      });
      await invalidation.publish({ kind: 'device', id });
      if (revoked) security.record({ type: 'device.revoked', deviceId: id, actorId: actor.userId, context: actor.context });
    },

    /** A new pairing code for the device (the previous one stops working), to pair or re-pair its screen. */
    async renewPairingCode(id: string): Promise<PairingCode> {
      const row = await requireDevice(id);
      if (row.revoked_at !== null) throw new ConflictError(`The device “${row.name}” was revoked; create a new one.`);
      return database.transact((trx) => issuePairingCode(trx, id, clock.now()));
    },

    /**
     * A screen types the code shown in Admin → Devices: it gets a key of its own (kept in its
     * cookie; a new pairing replaces the previous screen's). Failures are counted before the code is
     * looked at, per address and overall, so parallel guesses get no more tries than sequential ones.
     */
    async pair(pairingCode: string, context: RequestContext): Promise<{ device: PairedDevice; screenKey: string }> {
      const now = clock.now();
      const address = sha256(context.ip).slice(0, 32);
      const locked = await database.transact(async (trx) => {
        const here = await countFailureUnlessLocked(trx, PAIRING_LOCKOUT, address, now);
        const anywhere = here > 0 ? 0 : await countFailureUnlessLocked(trx, PAIRING_LOCKOUT_ALL, EVERYONE, now);
        return Math.max(here, anywhere);
      });
      if (locked > 0) throw new RateLimitedError('Too many wrong pairing codes; wait a quarter of an hour and try again.', locked / 1000);
      const screen = newKey();
      const deviceId = await database.transact(async (trx) => {
        const spent = await repo.spendPairingCode(trx, sha256(`pairing:${pairingCode}`), now);
        if (!spent) return undefined;
        const row = await repo.findDevice(trx, spent);
        if (!row || row.revoked_at !== null) return undefined;
        await repo.setScreenKey(trx, spent, sha256(screen.key));
        // A right code is not a failure: take back this attempt's count.
        await clearFailures(trx, PAIRING_LOCKOUT, address);
        return spent;
      });
      if (!deviceId) throw new InvalidCredentialsError('That pairing code is not right, has expired or was already used; make a new one in Admin → Devices.');
      // The screen's previous key (an earlier pairing) is forgotten everywhere.
      await invalidation.publish({ kind: 'device', id: deviceId });
      security.record({ type: 'device.paired', deviceId, context });
      const device = await loadByKeyHash(sha256(screen.key));
      if (!device) throw new AppError('INTERNAL', 500, 'The device vanished while it was paired.');
      return { device: describe(principalOf(device)), screenKey: screen.key };
    },

    /**
     * The principal of a device key (the admin's API key or a paired screen's). No database read
     * while cached; last use is written at most once a minute. A revoked key is refused and logged.
     */
    async authenticate(key: string, context: RequestContext): Promise<Principal> {
      if (!key.startsWith(KEY_PREFIX) || key.length > 128) throw new UnauthenticatedError('The device key is not valid.');
      const device = await byKeyHash.get(sha256(key), () => loadByKeyHash(sha256(key)));
      if (!device) throw new UnauthenticatedError('The device key is not valid.');
      if (device.revokedAt !== null) {
        security.record({ type: 'device.refused', deviceId: device.id, reason: 'revoked', context });
        throw new UnauthenticatedError('This device was revoked; pair the screen again with a new code from Admin → Devices.');
      }
      const now = clock.now();
      const seen = Math.max(device.lastUsedAt ?? 0, lastTouched.get(device.id) ?? 0);
      if (now - seen >= TOUCH_EVERY_MS) {
        lastTouched.set(device.id, now);
        await database.transact((trx) => repo.touchDevice(trx, device.id, now));
        // The key's first use, and its first after a quiet hour (a board switched on again), are security events; every request is not.
        if (seen === 0 || now - seen >= USED_AGAIN_AFTER_MS) security.record({ type: 'device.used', deviceId: device.id, reason: seen === 0 ? 'first use' : 'used again after a quiet hour', context });
      }
      return principalOf(device);
    },

    /** Whether the device is still allowed (a socket's heartbeat asks); read through its row. */
    async alive(deviceId: string): Promise<boolean> {
      const row = await repo.findDevice(db, deviceId);
      return row !== undefined && row.revoked_at === null;
    },

    describe,

    purge: (now: number) => database.transact((trx) => repo.deletePairingCodesBefore(trx, now - PAIRING_CODE_TTL_MS)),
  };
}

export type DevicesService = ReturnType<typeof createDevicesService>;
