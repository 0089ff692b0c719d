import { z } from 'zod';
import { createUserBodySchema, staffUserSchema, updateUserBodySchema, userSchema } from './auth.js';
import { idSchema } from './common.js';

/** More departments than a hospital has would be a mistake, not a staff member. */
export const MAX_USER_DEPARTMENTS = 200;

/**
 * The departments a person works in: a doctor calls and acts only there; a receptionist too when
 * the clinic confines reception; admins work everywhere whatever is set.
 */
export const departmentIdsSchema = z
  .array(idSchema)
  .max(MAX_USER_DEPARTMENTS)
  .refine((ids) => new Set(ids).size === ids.length, 'lists a department twice');

export const createStaffUserBodySchema = createUserBodySchema.extend({ departmentIds: departmentIdsSchema.optional() });
export type CreateStaffUserBody = z.infer<typeof createStaffUserBodySchema>;

export const updateStaffUserBodySchema = updateUserBodySchema.extend({ departmentIds: departmentIdsSchema.optional() });
export type UpdateStaffUserBody = z.infer<typeof updateStaffUserBodySchema>;

/** A user as POST and PATCH /users return them: with the departments they work in. */
export const userWithDepartmentsSchema = userSchema.extend({ departmentIds: z.array(idSchema) });
export type UserWithDepartments = z.infer<typeof userWithDepartmentsSchema>;

/** A user in the admin's list: disabled, locked out, and their departments. */
export const staffUserWithDepartmentsSchema = staffUserSchema.extend({ departmentIds: z.array(idSchema) });
export type StaffUserWithDepartments = z.infer<typeof staffUserWithDepartmentsSchema>;

/**
 * Where the signed-in person may act (GET /auth/me): the department ids, or null for every
 * department (admins, and receptionists while the clinic lets reception work everywhere).
 */
export const workScopeSchema = z.object({ departmentIds: z.array(idSchema).nullable() });
