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
  /** The department's name in the clinic's other languages, where the admin gave one: the page shows the patient's. */
  departmentNames: z.object({ hi: z.string().optional(), ar: z.string().optional() }),
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
  /** For a department whose self check-in is `phone`: the code on the waiting area's QR poster. */
  joinCode: z.string().trim().max(32).optional(),
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

/** A screen pairs itself with the code shown once in Admin → Devices (spaces and dashes are ignored). */
export const pairDeviceBodySchema = z.strictObject({
  pairingCode: z
    .string()
    .max(32)
    .transform((code) => code.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\d{8}$/, 'must be the 8 digits shown in Admin → Devices')),
});
export type PairDeviceBody = z.infer<typeof pairDeviceBodySchema>;

/** The paired device, as the screen needs it (never its key), and the CSRF token its writes send back. */
export const pairedDeviceSchema = z.object({
  device: z.object({
    id: idSchema,
    name: z.string(),
    role: z.enum(['display', 'kiosk']),
    departmentIds: z.array(idSchema),
    privacy: privacyProfileSchema,
  }),
  csrfToken: z.string(),
});
export type PairedDevice = z.infer<typeof pairedDeviceSchema>;

/** What the phone join page shows before the patient types anything. */
export const joinPageSchema = z.object({
  departmentName: z.string(),
  names: z.object({ hi: z.string().optional(), ar: z.string().optional() }),
});
export type JoinPage = z.infer<typeof joinPageSchema>;
