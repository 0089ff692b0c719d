import { z } from 'zod';
import { statusKeyParamsSchema } from './public.js';

/** The longest push endpoint taken; browsers' are a few hundred characters. */
export const MAX_PUSH_ENDPOINT_LENGTH = 1000;

/**
 * A browser's push subscription as `PushSubscription.toJSON()` gives it. The endpoint must be https:
 * every browser's push service is, and the server only ever sends over TLS (a plain-http endpoint
 * could never be delivered to, and would let an anonymous caller point the server at any LAN host).
 * The keys are checked for their exact sizes (RFC 8291: a 65-byte P-256 point, a 16-byte secret).
 */
export const webPushSubscriptionSchema = z.strictObject({
  endpoint: z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(MAX_PUSH_ENDPOINT_LENGTH),
  /** Browsers send it (mostly null); the server does not keep it. */
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: z.string().max(200).regex(/^[A-Za-z0-9_-]{87}=?$/, 'must be a base64url P-256 public key (65 bytes)'),
    auth: z.string().max(100).regex(/^[A-Za-z0-9_-]{22}(==)?$/, 'must be a base64url 16-byte secret'),
  }),
});
export type WebPushSubscription = z.infer<typeof webPushSubscriptionSchema>;

/** The status page asks to be told about its visit: the status key (from its address) names the visit. */
export const pushSubscribeBodySchema = z.strictObject({
  statusKey: statusKeyParamsSchema.shape.statusKey,
  subscription: webPushSubscriptionSchema,
});
export type PushSubscribeBody = z.infer<typeof pushSubscribeBodySchema>;

/** The server's VAPID public key (base64url), the `applicationServerKey` browsers subscribe with. */
export const pushKeySchema = z.object({ publicKey: z.string() });
export type PushKey = z.infer<typeof pushKeySchema>;

/** Whether the status page offers browser notifications for this visit: its department sends them, and the visit goes on. */
export const pushOfferSchema = z.object({ offered: z.boolean() });
export type PushOffer = z.infer<typeof pushOfferSchema>;

export const pushSubscribedSchema = z.object({ subscribed: z.literal(true) });
