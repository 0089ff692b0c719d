import { z } from 'zod';

/** Stable error codes carried in every problem+json body (`code`). Clients branch on these, never on text. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'HEADERS_TOO_LARGE',
  'HOST_NOT_ALLOWED',
  'SUSPICIOUS_INPUT',
  'INVALID_CREDENTIALS',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CSRF_FAILED',
  'PASSWORD_CHANGE_REQUIRED',
  'OTP_REQUIRED',
  'MFA_ENROLMENT_REQUIRED',
  'NOT_FOUND',
  'CONFLICT',
  'INVALID_TRANSITION',
  'IDEMPOTENCY_KEY_REUSED',
  'SELF_CHECK_IN_DISABLED',
  'PUSH_DISABLED',
  'RATE_LIMITED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** RFC 9457 problem details, as every error response of the API. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.enum(ERROR_CODES),
  requestId: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;
