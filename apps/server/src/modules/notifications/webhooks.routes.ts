import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { perMinute } from '../../plugins/rate-limit.js';
import type { InboundReplies } from './inbound.js';
import type { Notifications } from './notifications.service.js';
import { TWILIO_SIGNATURE_HEADER, twiml, verifyTwilioSignature } from './twilio/twilio-webhook.js';

/** Twilio's form posts are small; anything larger is not Twilio. */
const FORM_LIMIT_BYTES = 32 * 1024;
/** Twilio retries and bursts; a flood from elsewhere fails the signature anyway, this bounds its cost. */
const WEBHOOKS_PER_MINUTE = 600;

const formSchema = z.record(z.string().max(64), z.string().max(2000));

export interface WebhooksRoutesOptions {
  notifications: Notifications;
  replies: InboundReplies;
  /** The address Twilio calls (PUBLIC_URL): signatures are over it, not over the Host a proxy passes on. */
  publicUrl: string;
  rateLimitMultiplier: number;
}

class ForgedWebhookError extends AppError {
  constructor() {
    super('FORBIDDEN', 403, 'The X-Twilio-Signature header does not match this request; it did not come from the clinic’s Twilio account.');
  }
}

/**
 * Twilio's webhooks: patients' replies (answered with TwiML) and delivery receipts. Each request's
 * signature is checked against the exact public URL before anything is read or changed.
 */
export const twilioWebhookRoutes: FastifyPluginAsyncZod<WebhooksRoutesOptions> = async (app, opts) => {
  // Form encoding, in this plugin only: every other route takes JSON alone.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });

  async function verified(request: FastifyRequest<{ Body: Record<string, string> }>): Promise<Record<string, string>> {
    const gateway = await opts.notifications.gateways.active();
    const signature = request.headers[TWILIO_SIGNATURE_HEADER];
    const url = `${opts.publicUrl}${request.url}`;
    const params = request.body ?? {};
    if (!gateway.authToken || !verifyTwilioSignature(gateway.authToken, typeof signature === 'string' ? signature : undefined, url, params)) throw new ForgedWebhookError();
    return params;
  }

  const limits = { config: { rateLimit: perMinute(WEBHOOKS_PER_MINUTE, opts.rateLimitMultiplier) } };

  app.post(
    '/webhooks/twilio/inbound',
    { ...limits, schema: { tags: ['notifications'], summary: 'A patient’s SMS or WhatsApp reply (Twilio form post, signed); answered with TwiML', body: formSchema } },
    async (request: FastifyRequest<{ Body: Record<string, string> }>, reply: FastifyReply) => {
      const params = await verified(request);
      const text = await opts.replies.answer(params.From ?? '', params.Body ?? '', params.ButtonPayload);
      return reply.header('content-type', 'text/xml; charset=utf-8').send(twiml(text));
    },
  );

  app.post(
    '/webhooks/twilio/status',
    { ...limits, schema: { tags: ['notifications'], summary: 'A delivery receipt (Twilio form post, signed)', body: formSchema } },
    async (request: FastifyRequest<{ Body: Record<string, string> }>, reply: FastifyReply) => {
      const params = await verified(request);
      if (params.MessageSid && params.MessageStatus) await opts.notifications.receipt(params.MessageSid, params.MessageStatus, params.ErrorCode || undefined);
      return reply.status(204).send();
    },
  );
};
