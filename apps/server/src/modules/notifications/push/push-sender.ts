import { ECDH } from 'node:crypto';
import https from 'node:https';
import type { Kysely } from 'kysely';
import webpush, { type PushSubscription } from 'web-push';
import type { DB } from '../../../db/schema.js';
import { ConflictError, ValidationError } from '../../../errors.js';
import { cipherOf } from '../../keys/encrypted-columns.js';
import { GatewayError } from '../twilio/twilio-gateway.js';
import * as repo from './push.repository.js';
import { loadOrCreateVapidKeys, type VapidKeys } from './vapid.js';

/** What the service worker (apps/web/public/push-sw.js) shows. */
export interface PushPayload {
  title: string;
  body: string;
  /** The patient's status page, opened when the notification is tapped. */
  url: string;
  /** Notifications with the same tag replace each other: the token's number, so a phone shows one per visit. */
  tag?: string;
}

export interface PushSender {
  /** Hands one notification to the browser's push service; throws a GatewayError when it is not taken. */
  send(subscription: PushSubscription, payload: PushPayload): Promise<void>;
}

export interface PushSenderOptions {
  vapid: VapidKeys;
  /** Who sends (VAPID `sub`): an https URL (the clinic's PUBLIC_URL) or a mailto: address. */
  subject: string;
  /** Connections to the push services; by default one kept-alive agent per sender. */
  agent?: https.Agent;
  timeoutMs?: number;
  /** How long a push service keeps a notification for a phone that is off. */
  ttlSeconds?: number;
}

/** An hour: "your turn is near" an hour late is of no use, and the page itself shows the rest. */
const DEFAULT_TTL_SECONDS = 3600;
const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * Push services take 4096 bytes of encrypted body; aes128gcm adds 103 (header, tag, delimiter). The
 * rest is left as a margin, so a long template shortens the body instead of failing.
 */
const MAX_PAYLOAD_BYTES = 3000;
const P256_POINT_BYTES = 65;
const AUTH_SECRET_BYTES = 16;
const MAX_REFUSAL_DETAIL = 200;
/** A soft cap (two requests at once may both pass it): one visit followed by a few phones, not a crowd. */
export const MAX_SUBSCRIPTIONS_PER_TOKEN = 5;

/** The VAPID subject for a clinic reached at `publicUrl`; undefined on plain http, where browsers allow no push (no secure context). */
export function vapidSubjectOf(publicUrl: string): string | undefined {
  const url = new URL(publicUrl);
  return url.protocol === 'https:' ? url.origin : undefined;
}

/** Why a subscription can never be sent to, or undefined when it can. */
export function subscriptionProblem(subscription: PushSubscription): string | undefined {
  let endpoint: URL;
  try {
    endpoint = new URL(subscription.endpoint);
  } catch {
    return 'its endpoint is not a URL';
  }
  if (endpoint.protocol !== 'https:') return 'its endpoint is not an https URL';
  if (Buffer.from(subscription.keys.auth, 'base64url').length !== AUTH_SECRET_BYTES) return `its auth secret is not ${AUTH_SECRET_BYTES} bytes`;
  if (Buffer.from(subscription.keys.p256dh, 'base64url').length !== P256_POINT_BYTES) return 'its p256dh key is not an uncompressed P-256 point';
  try {
    // Throws for bytes that are not a point on the curve: the encryption would fail on every attempt.
    ECDH.convertKey(subscription.keys.p256dh, 'prime256v1', 'base64url');
  } catch {
    return 'its p256dh key is not a P-256 public key';
  }
  return undefined;
}

function assertSubject(subject: string): void {
  let url: URL | undefined;
  try {
    url = new URL(subject);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' && url?.protocol !== 'mailto:') {
    throw new Error(`The VAPID subject must be an https URL or a mailto: address (push services refuse others), not “${subject}”.`);
  }
}

/** The payload as JSON within MAX_PAYLOAD_BYTES: the body is shortened (on whole characters, with an ellipsis) when it must be. */
function fitted(payload: PushPayload): string {
  const whole = JSON.stringify(payload);
  if (Buffer.byteLength(whole) <= MAX_PAYLOAD_BYTES) return whole;
  let budget = MAX_PAYLOAD_BYTES - Buffer.byteLength(JSON.stringify({ ...payload, body: '…' }));
  if (budget < 0) throw new GatewayError('The notification’s title and link alone are too long for a push message.', { retryable: false, code: 'PAYLOAD_TOO_LARGE' });
  let kept = '';
  for (const char of payload.body) {
    // What the character takes in JSON (escapes included), without the quotes.
    const cost = Buffer.byteLength(JSON.stringify(char)) - 2;
    if (cost > budget) break;
    budget -= cost;
    kept += char;
  }
  return JSON.stringify({ ...payload, body: `${kept}…` });
}

function retryAfterMs(headers: Record<string, string | string[] | undefined> | undefined): number | undefined {
  const value = headers?.['retry-after'];
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text) * 1000 : undefined;
}

/**
 * A push service's refusal, or a transport failure, as the outbox worker reads it. 404/410: the
 * subscription is gone (the browser unsubscribed, or its data was cleared) and the caller disables it;
 * 429 and 5xx may pass; any other answer will not.
 */
function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof webpush.WebPushError) {
    const status = error.statusCode;
    if (status === 404 || status === 410) {
      return new GatewayError(`The push service says this subscription is gone (HTTP ${status}).`, { retryable: false, code: 'SUBSCRIPTION_GONE', status });
    }
    // The service's own words, short and on one line (never the endpoint: it is a capability to write to the phone).
    const said = String(error.body ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_REFUSAL_DETAIL);
    const wait = status === 429 || status === 503 ? retryAfterMs(error.headers) : undefined;
    return new GatewayError(`The push service refused the notification (HTTP ${status})${said ? `: ${said}` : ''}`, {
      retryable: status === 429 || status >= 500,
      status,
      ...(wait !== undefined && { retryAfterMs: wait }),
    });
  }
  // The subscription and the VAPID details are checked before sending: what is left is the connection.
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayError(`The push service could not be reached (${typeof code === 'string' ? code : 'NETWORK_ERROR'}): ${message}`, {
    retryable: true,
    code: typeof code === 'string' ? code : 'NETWORK_ERROR',
  });
}

/** Sends Web Push notifications (RFC 8030, encrypted per RFC 8291 as aes128gcm, signed with VAPID per RFC 8292). */
export function createPushSender(options: PushSenderOptions): PushSender {
  assertSubject(options.subject);
  const agent = options.agent ?? new https.Agent({ keepAlive: true });
  const vapidDetails = { subject: options.subject, publicKey: options.vapid.publicKey, privateKey: options.vapid.privateKey };
  return {
    async send(subscription, payload) {
      const problem = subscriptionProblem(subscription);
      if (problem) throw new GatewayError(`This push subscription cannot be sent to: ${problem}.`, { retryable: false, code: 'SUBSCRIPTION_INVALID' });
      const body = fitted(payload);
      try {
        await webpush.sendNotification(subscription, body, {
          vapidDetails,
          TTL: options.ttlSeconds ?? DEFAULT_TTL_SECONDS,
          // High: delivered at once to a phone saving battery, which is the point of "your turn is near".
          urgency: 'high',
          contentEncoding: 'aes128gcm',
          timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          agent,
        });
      } catch (error) {
        throw toGatewayError(error);
      }
    },
  };
}

/** Failures that mean the subscription will never take a notification: it is disabled. */
const DEAD_SUBSCRIPTION = new Set<unknown>(['SUBSCRIPTION_GONE', 'SUBSCRIPTION_INVALID']);

/**
 * The push channel of the notifications: the server's VAPID keys (made on first use), browsers'
 * subscriptions to a visit, and sending one notification to every browser following a visit.
 */
export function createPushChannel(deps: {
  db: Kysely<DB>;
  clock: { now(): number };
  /** See vapidSubjectOf. */
  subject: string;
  agent?: https.Agent;
  timeoutMs?: number;
  maxSubscriptionsPerToken?: number;
}) {
  const { db } = deps;
  const maxPerToken = deps.maxSubscriptionsPerToken ?? MAX_SUBSCRIPTIONS_PER_TOKEN;
  let ready: Promise<{ keys: VapidKeys; sender: PushSender }> | undefined;

  /** The keys are read (or made) once; a failure (the database away) is tried again on the next call. */
  function load(): Promise<{ keys: VapidKeys; sender: PushSender }> {
    if (!ready) {
      const loading = loadOrCreateVapidKeys(db, deps.clock.now(), cipherOf(db)).then((keys) => ({
        keys,
        sender: createPushSender({ vapid: keys, subject: deps.subject, ...(deps.agent && { agent: deps.agent }), ...(deps.timeoutMs !== undefined && { timeoutMs: deps.timeoutMs }) }),
      }));
      ready = loading;
      loading.catch(() => {
        if (ready === loading) ready = undefined;
      });
    }
    return ready;
  }

  return {
    /** The VAPID public key (base64url) browsers subscribe with. */
    async publicKey(): Promise<string> {
      return (await load()).keys.publicKey;
    },

    /** Keeps a browser's subscription to a visit; the same browser again only renews it. */
    async subscribe(tokenId: string, subscription: PushSubscription): Promise<{ added: boolean }> {
      const problem = subscriptionProblem(subscription);
      if (problem) throw new ValidationError(`This push subscription cannot be used: ${problem}.`, [{ path: 'body.subscription', message: problem }]);
      if ((await repo.countActive(db, tokenId)) >= maxPerToken && !(await repo.hasActiveEndpoint(db, tokenId, repo.endpointHash(subscription.endpoint)))) {
        throw new ConflictError(`This visit already notifies ${maxPerToken} phones or browsers; no more can be added.`);
      }
      return { added: (await repo.addSubscription(db, cipherOf(db), { tokenId, subscription, at: deps.clock.now() })).added };
    },

    /** Browsers following a visit: none, and a 'push' message for it has nowhere to go (the worker skips it). */
    subscriberCount: (tokenId: string): Promise<number> => repo.countActive(db, tokenId),

    /**
     * Sends the notification to every browser following the visit. Subscriptions the push service
     * says are gone are disabled. Resolves when at least one browser took it (a retry would repeat it
     * on the others); otherwise throws the GatewayError to act on: a retryable one when any may pass.
     */
    async notify(tokenId: string, payload: PushPayload): Promise<{ sent: number; disabled: number }> {
      const { sender } = await load();
      const subscriptions = await repo.activeSubscriptionsOf(db, cipherOf(db), tokenId);
      if (subscriptions.length === 0) throw new GatewayError('No browser follows this visit by push any more.', { retryable: false, code: 'NO_SUBSCRIPTION' });
      const results = await Promise.allSettled(subscriptions.map((s) => sender.send(s.subscription, payload)));
      let sent = 0;
      let disabled = 0;
      const failures: GatewayError[] = [];
      for (const [i, result] of results.entries()) {
        if (result.status === 'fulfilled') {
          sent++;
          continue;
        }
        const failure = toGatewayError(result.reason);
        failures.push(failure);
        const { id } = subscriptions[i]!;
        if (DEAD_SUBSCRIPTION.has(failure.code)) {
          if (await repo.disable(db, id, failure.message, deps.clock.now())) disabled++;
        } else {
          await repo.noteError(db, id, failure.message);
        }
      }
      if (sent > 0) return { sent, disabled };
      throw failures.find((f) => f.retryable) ?? failures[0]!;
    },
  };
}

export type PushChannel = ReturnType<typeof createPushChannel>;
