import { z } from 'zod';
import { MAX_NAME_LENGTH, idSchema, isoDateTime } from './common.js';

/**
 * Who may check in without reception: nobody (`off`), a kiosk device (or kiosk account) of the
 * department (`kiosk`), or anyone holding the join code posted in the waiting area (`phone`).
 */
export const SELF_CHECK_IN_MODES = ['off', 'kiosk', 'phone'] as const;
export const selfCheckInModeSchema = z.enum(SELF_CHECK_IN_MODES);
export type SelfCheckInMode = z.infer<typeof selfCheckInModeSchema>;
/** How often a department's phone join code changes. */
export const joinCodeRotationSchema = z.enum(['daily', 'hourly']);
export type JoinCodeRotation = z.infer<typeof joinCodeRotationSchema>;

/**
 * New departments take self check-in at their kiosks only: nobody can check in without a kiosk
 * device the admin bound to the department, and a clinic that had kiosks keeps them working.
 */
export const DEPARTMENT_DEFAULTS = { maxWaitMinutes: 45, maxRecalls: 3, parkReturnAfter: 3, selfCheckIn: 'kiosk' as SelfCheckInMode } as const;

/** A name as people type it: trimmed, inner runs of spaces made one (so "Room  1" and "Room 1" are one name). */
const nameSchema = z
  .string()
  .max(MAX_NAME_LENGTH * 2)
  .transform((s) => s.trim().replace(/\s+/g, ' '))
  .pipe(z.string().min(1, 'is required').max(MAX_NAME_LENGTH));

const departmentSettings = {
  selfCheckIn: selfCheckInModeSchema,
  /** How often the phone join code rotates; null: the server's default (JOIN_CODE_ROTATION). */
  joinCodeRotation: joinCodeRotationSchema.nullable(),
  maxWaitMinutes: z.number().int().min(1).max(24 * 60),
  maxRecalls: z.number().int().min(0).max(20),
  parkReturnAfter: z.number().int().min(1).max(100),
};

/** The department's name in the clinic's other languages; English (or the clinic's main language) is `name`. */
export const departmentNamesSchema = z.strictObject({
  hi: nameSchema.optional(),
  ar: nameSchema.optional(),
});
export type DepartmentNames = z.infer<typeof departmentNamesSchema>;

const departmentFields = {
  name: nameSchema,
  code: z.string().regex(/^[A-Za-z]{1,6}$/, 'must be 1 to 6 letters').transform((c) => c.toUpperCase()),
  /** `true`/`false` are still taken from older clients: `kiosk`/`off`. */
  selfCheckIn: z.union([selfCheckInModeSchema, z.boolean().transform((on): SelfCheckInMode => (on ? 'kiosk' : 'off'))]).optional(),
  joinCodeRotation: departmentSettings.joinCodeRotation.optional(),
  maxWaitMinutes: departmentSettings.maxWaitMinutes.optional(),
  maxRecalls: departmentSettings.maxRecalls.optional(),
  parkReturnAfter: departmentSettings.parkReturnAfter.optional(),
  /** The entry desk (registration/OPD): where reception issues a new visit's token by default. */
  isEntry: z.boolean().optional(),
  /** False: no new tokens, not offered to reception or the kiosk, its counters cannot call. */
  active: z.boolean().optional(),
  names: departmentNamesSchema.optional(),
};

export const createDepartmentBodySchema = z.strictObject(departmentFields);
export type CreateDepartmentBody = z.infer<typeof createDepartmentBodySchema>;

/** Any field of the create body; `code` only while no token carries it. */
export const updateDepartmentBodySchema = z.strictObject({
  ...departmentFields,
  name: departmentFields.name.optional(),
  code: departmentFields.code.optional(),
});
export type UpdateDepartmentBody = z.infer<typeof updateDepartmentBodySchema>;

export const departmentSchema = z.object({
  id: idSchema,
  name: z.string(),
  code: z.string(),
  ...departmentSettings,
  /** The entry desk (registration/OPD): reception's default department for a new visit. */
  isEntry: z.boolean(),
  /** False: deactivated by the admin (no new tokens, hidden from reception and the kiosk). */
  active: z.boolean(),
  /** The name in other languages, where the admin gave one. */
  names: z.object({ hi: z.string().optional(), ar: z.string().optional() }),
  createdAt: isoDateTime,
});
export type Department = z.infer<typeof departmentSchema>;

export const listDepartmentsQuerySchema = z.strictObject({
  /** `true`: only the departments that take tokens now (reception, kiosk). */
  active: z.enum(['true', 'false']).optional(),
});

export const createCounterBodySchema = z.strictObject({
  departmentId: idSchema,
  name: nameSchema,
  active: z.boolean().optional(),
  /** Where it stands among its department's counters (lowest first); new counters go last. */
  sortOrder: z.number().int().min(0).max(10_000).optional(),
});
export type CreateCounterBody = z.infer<typeof createCounterBodySchema>;

export const updateCounterBodySchema = z.strictObject({
  departmentId: idSchema.optional(),
  name: nameSchema.optional(),
  active: z.boolean().optional(),
  sortOrder: z.number().int().min(0).max(10_000).optional(),
});
export type UpdateCounterBody = z.infer<typeof updateCounterBodySchema>;

export const counterSchema = z.object({
  id: idSchema,
  departmentId: idSchema,
  name: z.string(),
  /** False: deactivated by the admin; it cannot call patients. */
  active: z.boolean(),
  sortOrder: z.number().int(),
});
export type Counter = z.infer<typeof counterSchema>;

export const listCountersQuerySchema = z.strictObject({
  departmentId: idSchema.optional(),
  active: z.enum(['true', 'false']).optional(),
});

/** The department's counters in the order the admin wants them shown (every one of its counters, once). */
export const counterOrderBodySchema = z.strictObject({
  counterIds: z.array(idSchema).min(1).max(500),
});
export type CounterOrderBody = z.infer<typeof counterOrderBodySchema>;

/** The role of a device: a waiting-room board or a self check-in kiosk. */
export const DEVICE_ROLES = ['display', 'kiosk'] as const;
export const deviceRoleSchema = z.enum(DEVICE_ROLES);
export type DeviceRole = z.infer<typeof deviceRoleSchema>;
/** How much a board shows of a patient (repeated from public.ts's privacyProfileSchema to keep this file standalone). */
const devicePrivacySchema = z.enum(['token', 'initials']);

export const createDeviceBodySchema = z.strictObject({
  name: nameSchema,
  role: deviceRoleSchema,
  departmentIds: z.array(idSchema).min(1, 'name at least one department').max(100),
  /** Boards only: `initials` shows patients' initials beside their numbers. The device cannot change it. */
  privacy: devicePrivacySchema.optional(),
});
export type CreateDeviceBody = z.infer<typeof createDeviceBodySchema>;

export const pairingCodeSchema = z.object({
  /** Typed on the screen being paired (digits only: a TV remote has them); one use. */
  pairingCode: z.string(),
  expiresAt: isoDateTime,
});
export type PairingCode = z.infer<typeof pairingCodeSchema>;

export const createdDeviceSchema = z.object({
  id: idSchema,
  name: z.string(),
  role: deviceRoleSchema,
  /** The start of the key, shown in the list so a key can be recognised. */
  prefix: z.string(),
  /** The API key (`Authorization: ApiKey <key>`): shown this once, stored hashed. */
  key: z.string(),
  ...pairingCodeSchema.shape,
});
export type CreatedDevice = z.infer<typeof createdDeviceSchema>;

export const deviceSchema = z.object({
  id: idSchema,
  name: z.string(),
  role: deviceRoleSchema,
  prefix: z.string(),
  departmentIds: z.array(idSchema),
  privacy: devicePrivacySchema,
  createdAt: isoDateTime,
  lastUsedAt: isoDateTime.nullable(),
  revokedAt: isoDateTime.optional(),
});
export type Device = z.infer<typeof deviceSchema>;

/** The current phone join code of a department: print `url` as a QR code in its waiting area. */
export const joinCodeSchema = z.object({
  joinCode: z.string(),
  url: z.string(),
  validUntil: isoDateTime,
  rotation: joinCodeRotationSchema,
});
export type JoinCode = z.infer<typeof joinCodeSchema>;
