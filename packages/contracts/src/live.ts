import { z } from 'zod';
import { idSchema, isoDateTime } from './common.js';
import { privacyProfileSchema, publicStatusSchema, tokenNumberSchema } from './public.js';
import { tokenSchema } from './queue.js';

/** Largest message a client may send on the live socket. */
export const LIVE_MAX_PAYLOAD_BYTES = 4096;
export const LIVE_MAX_SUBSCRIPTIONS = 20;
export const LIVE_TICKET_TTL_SECONDS = 60;

export const liveTicketResponseSchema = z.object({ ticket: z.string(), expiresIn: z.number().int() });

export const LIVE_EVENT_TYPES = [
  'token.issued',
  'token.called',
  'token.recalled',
  'token.started',
  'token.completed',
  'token.transferred',
  'token.parked',
  'token.no_show',
  'token.cancelled',
  'queue.changed',
] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

/** What a client sends. */
export const liveClientMessageSchema = z.union([
  z.strictObject({
    action: z.literal('subscribe'),
    topic: z.literal('department'),
    departmentId: idSchema,
    /** The last seq this client saw: the server sends what came after, in order. */
    since: z.number().int().min(0).optional(),
    /** Boards only: add patients' initials to the numbers (the board's privacy profile). */
    privacy: privacyProfileSchema.optional(),
  }),
  z.strictObject({ action: z.literal('subscribe'), topic: z.literal('status'), statusKey: z.string().min(1).max(128) }),
  z.strictObject({ action: z.literal('subscribe'), topic: z.literal('status'), token: tokenNumberSchema, phoneLast4: z.string().regex(/^\d{4}$/) }),
  z.strictObject({ action: z.literal('unsubscribe'), topic: z.literal('department'), departmentId: idSchema }),
  z.strictObject({ action: z.literal('ping') }),
]);
export type LiveClientMessage = z.infer<typeof liveClientMessageSchema>;

/** A board's view of a token: number and counter, never a name or phone. */
export const displayTokenSchema = z.object({
  number: z.string(),
  status: z.string(),
  counterName: z.string().optional(),
  calledAt: isoDateTime.optional(),
  /** Initials, only for boards whose privacy profile shows them. */
  initials: z.string().optional(),
});
export type DisplayToken = z.infer<typeof displayTokenSchema>;

/** A department event as staff receive it (full token) or as a board receives it (display-safe token). */
export const departmentEventSchema = z.object({
  type: z.enum(LIVE_EVENT_TYPES),
  at: isoDateTime,
  departmentId: idSchema,
  seq: z.number().int(),
  token: z.union([tokenSchema, displayTokenSchema]),
  counterName: z.string().optional(),
});
export type DepartmentEvent = z.infer<typeof departmentEventSchema>;

/** A patient's own token, nothing else. */
export const statusEventSchema = z.object({
  type: z.enum(LIVE_EVENT_TYPES),
  at: isoDateTime,
  topic: z.literal('status'),
  status: publicStatusSchema,
});
export type StatusEvent = z.infer<typeof statusEventSchema>;

export type LiveServerMessage =
  | (DepartmentEvent & { topic: 'department' })
  | StatusEvent
  | { type: 'subscribed'; topic: 'department'; departmentId: string; seq: number }
  | { type: 'subscribed'; topic: 'status'; status: z.infer<typeof publicStatusSchema> }
  | { type: 'unsubscribed'; topic: 'department'; departmentId: string }
  | { type: 'resync'; topic: 'department'; departmentId: string; seq: number }
  | { type: 'pong' }
  | { type: 'error'; code: string; detail: string };
