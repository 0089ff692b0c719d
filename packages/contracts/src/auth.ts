import { z } from 'zod';
import { MAX_NAME_LENGTH, idSchema, roleSchema } from './common.js';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 128;

export const emailSchema = z.string().trim().toLowerCase().max(254).email();
export const passwordSchema = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);

/** A one-time code: 6 digits (RFC 6238, SHA-1, 30 s). */
export const totpCodeSchema = z.string().trim().regex(/^\d{6}$/, 'six digits');
export const RECOVERY_CODE_COUNT = 10;
/** A recovery code as shown (`abcde-fghij`); typed with or without the dash, in any case. */
export const recoveryCodePattern = /^[a-z2-9]{5}-?[a-z2-9]{5}$/i;
/** What a person types as the second factor at sign-in: a code of the app, or a recovery code. */
export const otpSchema = z
  .string()
  .trim()
  .max(16)
  .refine((v) => /^\d{6}$/.test(v) || recoveryCodePattern.test(v), 'six digits, or a recovery code like abcde-fghij');

export const loginBodySchema = z.strictObject({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  otp: otpSchema.optional().describe('the 6-digit code of the authenticator app, or one of the recovery codes'),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

export const refreshBodySchema = z.strictObject({ refreshToken: z.string().min(1).max(256).optional() }).nullish();

export const userSchema = z.object({
  id: idSchema,
  email: z.string(),
  name: z.string(),
  role: roleSchema,
});
export type User = z.infer<typeof userSchema>;

export const sessionResponseSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('seconds'),
  refreshToken: z.string().describe('also set as an HttpOnly cookie'),
  csrfToken: z.string().describe('send back as x-csrf-token on cookie-authenticated writes'),
  user: userSchema,
  passwordChangeRequired: z.literal(true).optional().describe('an admin reset the password: only /auth/me and /auth/password until it is changed'),
  mfaEnrolmentRequired: z.literal(true).optional().describe('an admin without 2FA: only /auth/me and /auth/2fa/setup, /auth/2fa/enable until it is on'),
});
export type SessionResponse = z.infer<typeof sessionResponseSchema>;

export const createUserBodySchema = z.strictObject({
  email: emailSchema,
  name: z.string().trim().min(1).max(MAX_NAME_LENGTH),
  role: roleSchema,
  password: passwordSchema,
});
export type CreateUserBody = z.infer<typeof createUserBodySchema>;

/** Logout: the session is named by the Bearer token, the cookie, or this refresh token. */
export const logoutBodySchema = z.strictObject({ refreshToken: z.string().min(1).max(256).optional() }).nullish();

/** One of my sessions, as the Security page lists them. */
export const sessionInfoSchema = z.object({
  id: idSchema,
  device: z.string().describe('a label made from the user agent, e.g. "Chrome on Windows"'),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: z.string().describe('ISO 8601'),
  lastSeenAt: z.string().describe('ISO 8601'),
  current: z.boolean().describe('the session this request came from'),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const changePasswordBodySchema = z.strictObject({
  currentPassword: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  newPassword: passwordSchema,
});
export type ChangePasswordBody = z.infer<typeof changePasswordBodySchema>;

export const updateUserBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(MAX_NAME_LENGTH).optional(),
  role: roleSchema.optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUserBody = z.infer<typeof updateUserBodySchema>;

/** Who I am; `passwordChangeRequired` while an admin's reset waits for my new password. */
export const meSchema = userSchema.extend({
  passwordChangeRequired: z.literal(true).optional(),
  mfaEnrolmentRequired: z.literal(true).optional().describe('an admin who must turn on two-step sign-in before anything else'),
  twoFactorEnabled: z.boolean(),
  /** Where I may act: these departments, or null for every department (admins; receptionists unless the clinic confines them). */
  departmentIds: z.array(idSchema).nullable(),
});
export type Me = z.infer<typeof meSchema>;

/** A user as the admin's list shows them: disabled, and whether the whole account is locked after many failed sign-ins. */
export const staffUserSchema = userSchema.extend({ disabled: z.boolean(), locked: z.boolean() });
export type StaffUser = z.infer<typeof staffUserSchema>;

export const temporaryPasswordSchema = z.object({ temporaryPassword: z.string() });

/** The start of 2FA enrolment: the secret for the authenticator app, also as an otpauth:// URL for a QR code. */
export const twoFactorSetupSchema = z.object({
  secret: z.string().describe('base32, for typing into the app by hand'),
  otpauthUrl: z.string().describe('otpauth://totp/… for the QR code'),
});
export type TwoFactorSetup = z.infer<typeof twoFactorSetupSchema>;

export const enableTwoFactorBodySchema = z.strictObject({ otp: totpCodeSchema });
export type EnableTwoFactorBody = z.infer<typeof enableTwoFactorBodySchema>;

/** Shown once, when 2FA is turned on: each works once in place of a code. */
export const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()).length(RECOVERY_CODE_COUNT) });
export type RecoveryCodes = z.infer<typeof recoveryCodesSchema>;
