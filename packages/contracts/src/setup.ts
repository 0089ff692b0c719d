import { z } from 'zod';
import { MAX_NAME_LENGTH, idSchema, isoDateTime } from './common.js';

export const DEPARTMENT_DEFAULTS = { maxWaitMinutes: 45, maxRecalls: 3, parkReturnAfter: 3, selfCheckIn: false } as const;

const departmentSettings = {
  selfCheckIn: z.boolean(),
  maxWaitMinutes: z.number().int().min(1).max(24 * 60),
  maxRecalls: z.number().int().min(0).max(20),
  parkReturnAfter: z.number().int().min(1).max(100),
};

export const createDepartmentBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(MAX_NAME_LENGTH),
  code: z.string().regex(/^[A-Za-z]{1,6}$/, 'must be 1 to 6 letters').transform((c) => c.toUpperCase()),
  selfCheckIn: departmentSettings.selfCheckIn.optional(),
  maxWaitMinutes: departmentSettings.maxWaitMinutes.optional(),
  maxRecalls: departmentSettings.maxRecalls.optional(),
  parkReturnAfter: departmentSettings.parkReturnAfter.optional(),
});
export type CreateDepartmentBody = z.infer<typeof createDepartmentBodySchema>;

export const updateDepartmentBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(MAX_NAME_LENGTH).optional(),
  selfCheckIn: departmentSettings.selfCheckIn.optional(),
  maxWaitMinutes: departmentSettings.maxWaitMinutes.optional(),
  maxRecalls: departmentSettings.maxRecalls.optional(),
  parkReturnAfter: departmentSettings.parkReturnAfter.optional(),
});
export type UpdateDepartmentBody = z.infer<typeof updateDepartmentBodySchema>;

export const departmentSchema = z.object({
  id: idSchema,
  name: z.string(),
  code: z.string(),
  ...departmentSettings,
  createdAt: isoDateTime,
});
export type Department = z.infer<typeof departmentSchema>;

export const createCounterBodySchema = z.strictObject({
  departmentId: idSchema,
  name: z.string().trim().min(1).max(MAX_NAME_LENGTH),
});
export type CreateCounterBody = z.infer<typeof createCounterBodySchema>;

export const counterSchema = z.object({ id: idSchema, departmentId: idSchema, name: z.string() });
export type Counter = z.infer<typeof counterSchema>;
