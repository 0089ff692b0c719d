import { z } from 'zod';
import { idSchema, isoDateTime } from './common.js';
import { LANGUAGES, phoneInputSchema } from './queue.js';

/** What a message is about: a change of the patient's token, or their turn coming near. */
export const NOTIFICATION_TRIGGERS = ['issued', 'approaching', 'called', 'recalled', 'transferred', 'no_show', 'cancelled'] as const;
export const notificationTriggerSchema = z.enum(NOTIFICATION_TRIGGERS);
export type NotificationTrigger = z.infer<typeof notificationTriggerSchema>;

/** How a patient chose to hear from the clinic. */
export const PATIENT_CHANNELS = ['sms', 'whatsapp'] as const;
export type PatientChannel = (typeof PATIENT_CHANNELS)[number];

/** What a department offers: the channels patients choose at registration, and browser notifications (Web Push) from the status page. */
export const DEPARTMENT_CHANNELS = ['sms', 'whatsapp', 'push'] as const;
export type DepartmentChannel = (typeof DEPARTMENT_CHANNELS)[number];

/** Where a message actually went: Twilio's SMS or WhatsApp, the patient's browser (Web Push), or the outbox log when no gateway is set. */
export const DELIVERY_CHANNELS = ['sms', 'whatsapp', 'push', 'outbox'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export const languageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof languageSchema>;

/** Variables a template may use; anything else in braces is refused on save. */
export const TEMPLATE_VARIABLES = ['number', 'counter', 'minutes', 'statusUrl', 'department', 'clinic'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

export const MAX_TEMPLATE_LENGTH = 640;

/**
 * A message's life: `pending` (waiting for its turn or a retry), `sending` (claimed by a worker),
 * `sent` (the gateway took it), `delivered` / `undelivered` / `failed` (the gateway's receipt),
 * `dead` (gave up after retries; an admin may retry), `skipped` (not sent, `error` says why).
 */
export const MESSAGE_STATES = ['pending', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'dead', 'skipped'] as const;
export const messageStateSchema = z.enum(MESSAGE_STATES);
export type MessageState = z.infer<typeof messageStateSchema>;

export const notificationMessageSchema = z.object({
  id: idSchema,
  tokenId: idSchema.nullable(),
  tokenNumber: z.string().nullable(),
  trigger: z.union([notificationTriggerSchema, z.literal('test')]),
  channel: z.enum(DELIVERY_CHANNELS),
  state: messageStateSchema,
  attempts: z.number().int(),
  body: z.string(),
  /** Why it is not delivered (the gateway's answer, or the rule that stopped it). */
  error: z.string().nullable(),
  createdAt: isoDateTime,
  sentAt: isoDateTime.nullable(),
  updatedAt: isoDateTime,
});
export type NotificationMessage = z.infer<typeof notificationMessageSchema>;

export const approachRuleSchema = z.strictObject({
  /** Send when the patient's position is at most this… */
  position: z.number().int().min(1).max(100),
  /** …or the estimated wait at most this many minutes, whichever comes first. */
  minutes: z.number().int().min(1).max(240),
});

export const departmentNotificationsSchema = z.strictObject({
  departmentId: idSchema,
  channels: z.strictObject({ sms: z.boolean(), whatsapp: z.boolean(), push: z.boolean() }),
  triggers: z.strictObject(Object.fromEntries(NOTIFICATION_TRIGGERS.map((t) => [t, z.boolean()])) as Record<NotificationTrigger, z.ZodBoolean>),
  approach: approachRuleSchema,
  /** No more than this many messages per token, whatever happens to it. */
  maxMessagesPerToken: z.number().int().min(1).max(50),
});
export type DepartmentNotifications = z.infer<typeof departmentNotificationsSchema>;

export const updateDepartmentNotificationsSchema = departmentNotificationsSchema.omit({ departmentId: true }).partial().extend({
  triggers: departmentNotificationsSchema.shape.triggers.partial().optional(),
  channels: departmentNotificationsSchema.shape.channels.partial().optional(),
});
export type UpdateDepartmentNotifications = z.infer<typeof updateDepartmentNotificationsSchema>;

/** The gateway as the admin sees it: never the auth token itself. */
export const gatewaySchema = z.object({
  provider: z.enum(['twilio', 'outbox']),
  /** Where the settings come from: the environment wins over the admin screen. */
  source: z.enum(['environment', 'admin', 'none']),
  accountSid: z.string().nullable(),
  fromSms: z.string().nullable(),
  fromWhatsapp: z.string().nullable(),
  authTokenSet: z.boolean(),
});
export type Gateway = z.infer<typeof gatewaySchema>;

export const updateGatewaySchema = z.strictObject({
  accountSid: z.string().trim().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC followed by 32 hex digits)'),
  /** Leave out to keep the one already saved. */
  authToken: z.string().trim().min(16).max(128).optional(),
  fromSms: z.string().trim().max(32).nullable(),
  fromWhatsapp: z.string().trim().max(32).nullable(),
});
export type UpdateGateway = z.infer<typeof updateGatewaySchema>;

export const notificationSettingsSchema = z.object({
  gateway: gatewaySchema,
  departments: z.array(departmentNotificationsSchema),
});
export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;

export const templateSchema = z.object({
  /** null: the clinic-wide template, used where a department has none of its own. */
  departmentId: idSchema.nullable(),
  language: languageSchema,
  trigger: notificationTriggerSchema,
  body: z.string(),
  /** true: the built-in text (nothing saved). */
  isDefault: z.boolean(),
});
export type Template = z.infer<typeof templateSchema>;

export const saveTemplateSchema = z.strictObject({
  departmentId: idSchema.nullable(),
  language: languageSchema,
  trigger: notificationTriggerSchema,
  body: z.string().trim().min(1).max(MAX_TEMPLATE_LENGTH),
});
export type SaveTemplate = z.infer<typeof saveTemplateSchema>;

export const previewTemplateSchema = z.strictObject({
  departmentId: idSchema.nullable().optional(),
  language: languageSchema,
  trigger: notificationTriggerSchema,
  body: z.string().max(MAX_TEMPLATE_LENGTH),
});
export type PreviewTemplate = z.infer<typeof previewTemplateSchema>;

export const templatePreviewSchema = z.object({
  text: z.string(),
  characters: z.number().int(),
  /** GSM-7 fits 160 characters in one SMS (153 per part); anything else is UCS-2, 70 (67). */
  encoding: z.enum(['GSM-7', 'UCS-2']),
  segments: z.number().int(),
});
export type TemplatePreview = z.infer<typeof templatePreviewSchema>;

export const testMessageSchema = z.strictObject({
  departmentId: idSchema.nullable().optional(),
  channel: z.enum(PATIENT_CHANNELS),
  to: phoneInputSchema,
  language: languageSchema,
  trigger: notificationTriggerSchema,
});
export type TestMessage = z.infer<typeof testMessageSchema>;
