import { z } from 'zod';
import { MAX_NAME_LENGTH, idSchema, isoDateTime } from './common.js';

export const TOKEN_STATUSES = ['waiting', 'called', 'serving', 'parked', 'completed', 'no_show', 'cancelled'] as const;
export const tokenStatusSchema = z.enum(TOKEN_STATUSES);
export type TokenStatus = z.infer<typeof tokenStatusSchema>;

/** Call order: emergency before priority before normal. */
export const PRIORITIES = ['normal', 'priority', 'emergency'] as const;
export const prioritySchema = z.enum(PRIORITIES);
export type Priority = z.infer<typeof prioritySchema>;

export const TOKEN_ACTIONS = [
  'issue', 'call', 'recall', 'start', 'complete', 'transfer', 'park', 'return', 'no_show', 'cancel', 'undo',
] as const;
export type TokenAction = (typeof TOKEN_ACTIONS)[number];

export const LANGUAGES = ['en', 'hi', 'ar'] as const;

/** Phones are accepted in national or international form; stored in E.164. */
export const phoneInputSchema = z.string().trim().min(4).max(32).regex(/^\+?[0-9 ()./-]+$/, 'must be a phone number');

export const notifySchema = z.strictObject({
  channel: z.enum(['sms', 'whatsapp']),
  consent: z.literal(true),
});

export const patientInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(MAX_NAME_LENGTH),
  phone: phoneInputSchema,
  language: z.enum(LANGUAGES).optional(),
});

export const issueTokenBodySchema = z.strictObject({
  departmentId: idSchema,
  patient: patientInputSchema,
  priority: prioritySchema.optional(),
  notify: notifySchema.optional(),
});
export type IssueTokenBody = z.infer<typeof issueTokenBodySchema>;

export const estimatedWaitSchema = z.object({ minMinutes: z.number().int(), maxMinutes: z.number().int() });
export type EstimatedWait = z.infer<typeof estimatedWaitSchema>;

export const tokenSchema = z.object({
  id: idSchema,
  number: z.string(),
  status: tokenStatusSchema,
  departmentId: idSchema,
  priority: prioritySchema,
  position: z.number().int().optional(),
  estimatedWait: estimatedWaitSchema.optional(),
  counterId: idSchema.optional(),
  recallCount: z.number().int(),
  patient: z.object({ name: z.string(), phoneLast4: z.string() }),
  issuedAt: isoDateTime,
  calledAt: isoDateTime.optional(),
  startedAt: isoDateTime.optional(),
  completedAt: isoDateTime.optional(),
  statusKey: z.string().optional().describe('only in the response that issues the token'),
  statusUrl: z.string().optional().describe('only in the response that issues the token'),
});
export type Token = z.infer<typeof tokenSchema>;

export const historyEntrySchema = z.object({
  action: z.enum(TOKEN_ACTIONS),
  at: isoDateTime,
  by: z.string(),
  fromStatus: tokenStatusSchema.nullable(),
  toStatus: tokenStatusSchema,
  departmentId: idSchema,
  counterId: idSchema.optional(),
  reason: z.string().optional(),
});
export const tokenWithHistorySchema = tokenSchema.extend({ history: z.array(historyEntrySchema) });
export type TokenWithHistory = z.infer<typeof tokenWithHistorySchema>;

export const waitingTokenSchema = tokenSchema.extend({ reason: z.string() });
export const QUEUE_LIST_DEFAULT = 200;
export const QUEUE_LIST_MAX = 1000;
export const queueQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(QUEUE_LIST_MAX).optional(),
});
export const queueSchema = z.object({
  waiting: z.array(waitingTokenSchema),
  waitingCount: z.number().int().describe('all waiting tokens, even past `limit`'),
  called: z.array(tokenSchema),
  serving: z.array(tokenSchema),
  parked: z.array(tokenSchema),
});
export type Queue = z.infer<typeof queueSchema>;

export const tokenEnvelopeSchema = z.object({ token: tokenSchema });
export const callNextResponseSchema = z.object({ token: tokenSchema.nullable() });
export const completeAndCallNextResponseSchema = z.object({
  completed: tokenSchema.nullable().describe("the counter's patient completed or sent on; null when it had none"),
  token: tokenSchema.nullable().describe('the patient called next; null when nobody waits'),
});

export const callTokenBodySchema = z.strictObject({ counterId: idSchema });
export const completeBodySchema = z.strictObject({ nextDepartmentId: idSchema.optional() }).nullish();
export const transferBodySchema = z.strictObject({ departmentId: idSchema });

export const patientSearchBodySchema = z.strictObject({ phone: phoneInputSchema });
/** A returning patient as reception sees them: enough to issue today's token in one keystroke. */
export const patientMatchSchema = z.object({
  name: z.string(),
  phoneLast4: z.string(),
  language: z.string().optional(),
  lastVisitAt: isoDateTime,
  lastNumber: z.string(),
});
export const patientSearchResponseSchema = z.object({ phone: z.string().describe('E.164'), matches: z.array(patientMatchSchema) });
export type PatientMatch = z.infer<typeof patientMatchSchema>;
