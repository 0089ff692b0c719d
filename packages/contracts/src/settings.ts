import { z } from 'zod';
import { MAX_NAME_LENGTH, isoDateTime } from './common.js';

/** Shown until the admin names the clinic. */
export const DEFAULT_CLINIC_NAME = 'Smart Token Clinic';
/** A logo is a small picture for a header and a ticket, not a photograph. */
export const MAX_LOGO_BYTES = 96 * 1024;
/** The logo's data URL: base64 grows the bytes by a third, plus the `data:image/…;base64,` head. */
export const MAX_LOGO_DATA_URL_LENGTH = Math.ceil(MAX_LOGO_BYTES / 3) * 4 + 64;
/** Raster formats only: an SVG can carry script, and we do not sanitise it. */
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

export const brandingBodySchema = z.strictObject({
  clinicName: z
    .string()
    .max(MAX_NAME_LENGTH * 2)
    .transform((s) => s.trim().replace(/\s+/g, ' '))
    .pipe(z.string().min(1, 'is required').max(MAX_NAME_LENGTH)),
  /** `data:image/png;base64,…` (PNG, JPEG or WebP, at most 96 KB), or null for no logo. */
  logoDataUrl: z.string().max(MAX_LOGO_DATA_URL_LENGTH, `must be at most ${MAX_LOGO_BYTES / 1024} KB`).nullable(),
});
export type BrandingBody = z.infer<typeof brandingBodySchema>;

/** The admin's view of the branding. */
export const brandingSchema = z.object({
  clinicName: z.string(),
  logoDataUrl: z.string().nullable(),
  updatedAt: isoDateTime.nullable(),
});
export type Branding = z.infer<typeof brandingSchema>;

/** What every screen shows, no login needed. */
export const publicBrandingSchema = z.object({
  clinicName: z.string(),
  /** Served by the server (`/api/v1/public/branding/logo?v=…`), or null without a logo. */
  logoUrl: z.string().nullable(),
  /** Where a patient types their token number and the last 4 digits of their phone. */
  statusUrl: z.string(),
});
export type PublicBranding = z.infer<typeof publicBrandingSchema>;

export const logoQuerySchema = z.strictObject({ v: z.string().max(64).optional() });

/** The address phones are given (QR codes, SMS), and whether a phone can reach it. */
export const statusAddressSchema = z.object({
  publicUrl: z.string(),
  statusUrl: z.string(),
  /** False when it names this machine itself (localhost, 127.0.0.1): phones cannot open it. */
  reachableFromPhones: z.boolean(),
});
export type StatusAddress = z.infer<typeof statusAddressSchema>;

/** Who works where: whether receptionists act in every department or only in those assigned to them. */
export const accessSettingsSchema = z.strictObject({
  /** True (the default): receptionists act in every department; false: only in their own. */
  receptionistsEverywhere: z.boolean(),
});
export type AccessSettings = z.infer<typeof accessSettingsSchema>;
