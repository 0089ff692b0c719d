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

/** Every action a token's history can show: its transitions, and a reprint (a new status key, no change of state). */
export const HISTORY_ACTIONS = [...TOKEN_ACTIONS, 'reprint'] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

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
  patient: z.object({
    name: z.string(),
    phoneLast4: z.string(),
    /** Withheld (name and digits empty): the reader does not work in the token's department. */
    hidden: z.literal(true).optional(),
  }),
  issuedAt: isoDateTime,
  calledAt: isoDateTime.optional(),
  startedAt: isoDateTime.optional(),
  completedAt: isoDateTime.optional(),
  statusKey: z.string().optional().describe('only in the response that issues the token'),
  statusUrl: z.string().optional().describe('only in the response that issues the token'),
});
export type Token = z.infer<typeof tokenSchema>;

/**
 * Who took a history entry's action: a signed-in person (named in `by`), the server itself (a parked
 * patient's return, a no-show after the last recall), or the patient checking in at a kiosk or phone.
 * Screens say the last two in the reader's language; `by` is the English label.
 */
export const ACTOR_KINDS = ['person', 'system', 'self-check-in'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export const historyEntrySchema = z.object({
  action: z.enum(HISTORY_ACTIONS),
  at: isoDateTime,
  by: z.string(),
  byKind: z.enum(ACTOR_KINDS),
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
export const patientSearchResponseSchema = z.object({
  phone: z.string().describe('E.164'),
  matches: z.array(patientMatchSchema),
  active: z.array(tokenSchema).optional().describe("today's tokens of this phone still in a line (waiting, called, serving, parked)"),
});
export type PatientMatch = z.infer<typeof patientMatchSchema>;

/** Statuses in which a token is still part of today's line: reception warns before a second token. */
export const ACTIVE_STATUSES = ['waiting', 'called', 'serving', 'parked'] as const satisfies readonly TokenStatus[];

export const MAX_CANCEL_REASON_LENGTH = 200;
/** `POST /tokens/:id/cancel`: the reason is optional (older clients send no body), kept in the history. */
export const cancelBodySchema = z.strictObject({ reason: z.string().trim().min(1).max(MAX_CANCEL_REASON_LENGTH).optional() }).nullish();

export const MAX_TOKEN_SEARCH_LENGTH = 64;
/** At most this many of today's tokens answer one search. */
export const TOKEN_SEARCH_LIMIT = 20;
/** Today's tokens by number (`GEN-004`, `gen4`, `4`), phone (whole number, or its last 4 digits) or name. */
export const tokenSearchBodySchema = z.strictObject({ query: z.string().trim().min(1).max(MAX_TOKEN_SEARCH_LENGTH) });
export type TokenSearchBody = z.infer<typeof tokenSearchBodySchema>;
export const tokenSearchResponseSchema = z.object({ tokens: z.array(tokenSchema).describe(`today's tokens that match, newest first, at most ${TOKEN_SEARCH_LIMIT}`) });
export type TokenSearchResponse = z.infer<typeof tokenSearchResponseSchema>;

/** A reprinted ticket: the token with a new status key (the old key stops working). */
export const reprintResponseSchema = tokenSchema.extend({ statusKey: z.string(), statusUrl: z.string() });
export type ReprintedToken = z.infer<typeof reprintResponseSchema>;

/** The clinic's phone region and an example number in it, for forms to show what a valid number looks like. */
export const phoneFormatSchema = z.object({
  region: z.string().describe('ISO 3166-1 alpha-2, the server’s default phone region'),
  example: z.string().describe('a valid number as dialled in the region'),
  international: z.string().describe('the same number with its country code'),
});
export type PhoneFormat = z.infer<typeof phoneFormatSchema>;
