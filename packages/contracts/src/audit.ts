import { z } from 'zod';
import { idSchema, isoDateTime } from './common.js';
import { phoneInputSchema } from './queue.js';

/**
 * Every kind of event the audit trail records (the server's `modules/audit` and the admin screen's
 * filter both take this list). Grouped as HIPAA's audit controls ask: authentication,
 * administration, access to patients' data, the queue's changes, security refusals, the system.
 */
export const AUDIT_EVENT_TYPES = [
  'auth.login.succeeded',
  'auth.login.failed',
  'auth.login.locked',
  'auth.logout',
  'auth.session.ended',
  'auth.refresh.reused',
  'auth.password.changed',
  'auth.password.reset',
  'auth.account.unlocked',
  'auth.2fa.enrolled',
  'auth.2fa.failed',
  'auth.2fa.recovery-used',
  'auth.2fa.reset',
  'admin.user.created',
  'admin.user.updated',
  'admin.department.created',
  'admin.department.updated',
  'admin.department.deleted',
  'admin.counter.created',
  'admin.counter.updated',
  'admin.counter.deleted',
  'admin.device.created',
  'admin.device.revoked',
  'admin.device.paired',
  'admin.settings.updated',
  'patient.token.issued',
  'patient.record.viewed',
  'patient.history.viewed',
  'patient.search',
  'patient.list.viewed',
  'patient.exported',
  'patient.file.viewed',
  'patient.data.erased',
  'queue.transition',
  'security.rate-limited',
  'security.request.blocked',
  'security.input.suspicious',
  'security.device.refused',
  'system.started',
  'system.stopped',
  'system.backup',
  'system.restore',
  'system.keys.rotated',
  'audit.viewed',
  'audit.exported',
] as const;
export const auditEventTypeSchema = z.enum(AUDIT_EVENT_TYPES);
export type AuditEventTypeName = z.infer<typeof auditEventTypeSchema>;

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export const AUDIT_ACTOR_KINDS = ['user', 'device', 'patient', 'system', 'anonymous'] as const;

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;
/** An export holds at most this many entries; a longer range is cut there and says so (narrow the range). */
export const AUDIT_EXPORT_MAX_ROWS = 100_000;
/** A token's number as printed on the ticket (GEN-004): a `token` filter of this form means every token with it. */
export const TOKEN_NUMBER_PATTERN = /^[A-Za-z]{1,6}-\d{3,}$/;

const eventTypes = new Set<string>(AUDIT_EVENT_TYPES);
const MAX_TYPE_LIST_LENGTH = 2000;

/** The filters shared by the list, the export and the search by phone. */
const auditFilterShape = {
  /** Entries at or after this moment. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Entries before this moment. */
  to: z.iso.datetime({ offset: true }).optional(),
  /** A user's (or device's) id: what that account did. */
  actor: idSchema.optional(),
  /** A token's id, or a token number (GEN-004): every token with that number, on any day. */
  token: idSchema.optional().describe('a token id, or a token number like GEN-004 (every token with that number)'),
  /** One event type, or several separated by commas. */
  type: z
    .string()
    .min(1)
    .max(MAX_TYPE_LIST_LENGTH)
    .refine((list) => list.split(',').every((t) => eventTypes.has(t)), { message: 'must be audit event types separated by commas' })
    .optional()
    .describe('one event type, or several separated by commas'),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
};

/** `from` before `to`, reported on `from` (the field to change). */
const rangeInOrder = (filter: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx) => {
  if (filter.from !== undefined && filter.to !== undefined && Date.parse(filter.from) >= Date.parse(filter.to)) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before “to”' });
  }
};

const pagingShape = {
  /** The `nextCursor` of the page before; absent for the newest page. */
  cursor: z.string().regex(/^\d{1,15}$/, 'must be a cursor this API returned').optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).optional().describe(`default ${AUDIT_PAGE_DEFAULT}`),
};

export const auditQuerySchema = z.strictObject({ ...auditFilterShape, ...pagingShape }).superRefine(rangeInOrder);
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const AUDIT_EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export const auditExportQuerySchema = z.strictObject({ ...auditFilterShape, format: z.enum(AUDIT_EXPORT_FORMATS) }).superRefine(rangeInOrder);
export type AuditExportQuery = z.infer<typeof auditExportQuerySchema>;

/** A patient's trail by phone: the phone travels in the body (secrets never travel in a URL). */
export const auditSearchBodySchema = z.strictObject({ ...auditFilterShape, ...pagingShape, phone: phoneInputSchema }).superRefine(rangeInOrder);
export type AuditSearchBody = z.infer<typeof auditSearchBodySchema>;

/** Filters as the service takes them: the query or the body, without paging or format. */
export type AuditFilter = Pick<AuditQuery, 'from' | 'to' | 'actor' | 'token' | 'type' | 'outcome'>;

const partySchema = <K extends readonly [string, ...string[]]>(kinds: K) =>
  z.object({ kind: z.enum(kinds), id: z.string().optional(), label: z.string().optional() });

export const AUDIT_SUBJECT_KINDS = ['token', 'user', 'department', 'counter', 'device', 'settings', 'session', 'backup', 'key', 'audit', 'system'] as const;

export const auditEntrySchema = z.object({
  seq: z.number().int().describe('the entry’s place in the chain'),
  id: z.string(),
  at: isoDateTime,
  type: auditEventTypeSchema,
  /** Who acted: never a patient's name or phone. */
  actor: partySchema(AUDIT_ACTOR_KINDS),
  subject: partySchema(AUDIT_SUBJECT_KINDS).optional(),
  action: z.string().describe('the verb within the type: a transition’s action, the route read'),
  outcome: z.enum(AUDIT_OUTCOMES),
  ip: z.string().optional(),
  requestId: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional().describe('anything else recorded, without the list of tokens (see `tokens`)'),
  /** The tokens the entry concerns (the first ones), with their numbers while the token exists. */
  tokens: z.array(z.object({ id: z.string(), number: z.string().optional() })),
  tokenCount: z.number().int().describe('how many tokens the entry concerns in all'),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = z.object({
  entries: z.array(auditEntrySchema).describe('newest first'),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next (older) page; null on the last'),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

/** The first line of a JSON-lines export: the chain's verification when the export was made. */
export const auditVerificationSchema = z.union([
  z.object({ ok: z.literal(true), entries: z.number().int(), headSeq: z.number().int().nullable(), checkpoints: z.number().int() }),
  z.object({ ok: z.literal(false), entries: z.number().int(), seq: z.number().int(), kind: z.enum(['altered', 'missing', 'reordered', 'checkpoint']), message: z.string() }),
]);
export type AuditVerificationResult = z.infer<typeof auditVerificationSchema>;
