import { z } from 'zod';
import { isoDateTime } from './common.js';

/**
 * What the security feed counts: failed or refused sign-ins (`sign-in`), requests over a rate limit
 * (`rate-limit`), requests refused by a protection (`blocked`: wrong host, CSRF, a role or
 * department refusal, a locked lookup), and suspicious input (`detector`).
 */
export const SECURITY_FEED_KINDS = ['sign-in', 'rate-limit', 'blocked', 'detector'] as const;
export const securityFeedKindSchema = z.enum(SECURITY_FEED_KINDS);
export type SecurityFeedKind = z.infer<typeof securityFeedKindSchema>;

export const securityFeedQuerySchema = z.strictObject({
  /** Default: 24 hours before `to`. At most 31 days are read at once. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Default: now. */
  to: z.iso.datetime({ offset: true }).optional(),
  kind: securityFeedKindSchema.optional(),
  ip: z.string().min(1).max(64).optional(),
  route: z.string().min(1).max(160).optional(),
  rule: z.string().min(1).max(64).optional(),
});
export type SecurityFeedQuery = z.infer<typeof securityFeedQuerySchema>;

const countOf = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, count: z.number().int() });

export const securityFeedSchema = z.object({
  from: isoDateTime,
  to: isoDateTime,
  total: z.number().int(),
  byKind: z.record(securityFeedKindSchema, z.number().int()),
  /** One entry per hour from `from` to `to` (empty hours included), for the chart. */
  hourly: z.array(z.object({ at: isoDateTime, counts: z.record(securityFeedKindSchema, z.number().int()) })),
  /** The ten largest of each, over the whole range. */
  top: z.object({
    ips: z.array(countOf({ ip: z.string() })),
    routes: z.array(countOf({ route: z.string() })),
    rules: z.array(countOf({ kind: securityFeedKindSchema, rule: z.string() })),
  }),
});
export type SecurityFeed = z.infer<typeof securityFeedSchema>;
