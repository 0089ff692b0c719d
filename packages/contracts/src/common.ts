import { z } from 'zod';

export const MAX_ID_LENGTH = 64;
export const MAX_NAME_LENGTH = 120;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

/** Opaque identifiers: clients never build or parse them. */
export const idSchema = z.string().min(1).max(MAX_ID_LENGTH).regex(/^[A-Za-z0-9_-]+$/, 'must be an id');
export const idParamsSchema = z.strictObject({ id: idSchema });
export const isoDateTime = z.string().describe('ISO 8601 UTC');
/** Routes that take no body still reject unknown fields when a client sends one. */
export const emptyBodySchema = z.strictObject({}).nullish();

export const ROLES = ['admin', 'receptionist', 'doctor', 'display', 'kiosk'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;
