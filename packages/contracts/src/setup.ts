import { z } from 'zod';
import { MAX_NAME_LENGTH, idSchema, isoDateTime } from './common.js';

export const DEPARTMENT_DEFAULTS = { maxWaitMinutes: 45, maxRecalls: 3, parkReturnAfter: 3, selfCheckIn: false } as const;

/** A name as people type it: trimmed, inner runs of spaces made one (so "Room  1" and "Room 1" are one name). */
const nameSchema = z
  .string()
  .max(MAX_NAME_LENGTH * 2)
  .transform((s) => s.trim().replace(/\s+/g, ' '))
  .pipe(z.string().min(1, 'is required').max(MAX_NAME_LENGTH));

const departmentSettings = {
  selfCheckIn: z.boolean(),
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
  selfCheckIn: departmentSettings.selfCheckIn.optional(),
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
