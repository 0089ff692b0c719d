import { z } from 'zod';
import { MAX_NAME_LENGTH, idSchema, isoDateTime } from './common.js';
import { estimatedWaitSchema, phoneInputSchema, notifySchema, tokenStatusSchema } from './queue.js';

export const tokenNumberSchema = z.string().trim().toUpperCase().regex(/^[A-Z]{1,6}-\d{3,}$/, 'must look like GEN-004').max(16);

export const statusLookupBodySchema = z.strictObject({
  token: tokenNumberSchema,
  phoneLast4: z.string().regex(/^\d{4}$/, 'must be 4 digits'),
});

export const statusKeyParamsSchema = z.strictObject({ statusKey: z.string().min(1).max(128) });

/** What a patient sees: no name, no phone, no internal id. */
export const publicStatusSchema = z.object({
  number: z.string(),
  status: tokenStatusSchema,
  departmentName: z.string(),
  position: z.number().int().nullable(),
  peopleAhead: z.number().int().nullable(),
  estimatedWait: estimatedWaitSchema.nullable(),
  counterName: z.string().optional(),
  updatedAt: isoDateTime,
});
export type PublicStatus = z.infer<typeof publicStatusSchema>;

export const checkInBodySchema = z.strictObject({
  departmentId: idSchema,
  name: z.string().trim().min(1).max(MAX_NAME_LENGTH),
  phone: phoneInputSchema,
  notify: notifySchema.optional(),
});
export const checkInResponseSchema = z.object({
  number: z.string(),
  statusKey: z.string(),
  statusUrl: z.string(),
  position: z.number().int(),
  estimatedWait: estimatedWaitSchema,
});
export type CheckInResponse = z.infer<typeof checkInResponseSchema>;

export const displayQuerySchema = z.strictObject({ departmentId: idSchema });
export const displaySchema = z.object({
  nowServing: z.array(z.object({ number: z.string(), counterName: z.string(), calledAt: isoDateTime })),
  next: z.array(z.string()),
  recent: z.array(z.object({ number: z.string(), counterName: z.string(), calledAt: isoDateTime })),
});
export type Display = z.infer<typeof displaySchema>;

/** How much a board shows of a patient: the number only (default), or the number and initials. */
export const privacyProfileSchema = z.enum(['token', 'initials']);
export type PrivacyProfile = z.infer<typeof privacyProfileSchema>;
export const boardQuerySchema = z.strictObject({ privacy: privacyProfileSchema.optional() });
const boardCall = z.object({ number: z.string(), counterName: z.string(), calledAt: isoDateTime, initials: z.string().optional() });
export const boardSchema = z.object({
  departmentName: z.string(),
  nowServing: z.array(boardCall),
  next: z.array(z.object({ number: z.string(), initials: z.string().optional() })),
  recent: z.array(boardCall),
});
export type Board = z.infer<typeof boardSchema>;
