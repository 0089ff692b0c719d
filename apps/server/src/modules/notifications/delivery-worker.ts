import type { NotificationTrigger } from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { GatewayError } from './twilio/twilio-gateway.js';
import type { PushChannel } from './push/push-sender.js';
import type { DepartmentSettings } from './department-settings.js';
import type { Gateways } from './gateway.js';
import type { MessageVars } from './change-notifier.js';
import { createBackgroundPass } from './background-pass.js';
import * as repo from './notifications.repository.js';
import { languageOf, type TemplateStore } from './template-store.js';
import { quickReplyTemplate, TRIGGERS_WITH_BUTTONS, type QuickReplyTemplate } from './texts/quick-replies.js';
import { renderTemplate } from './texts/templates.js';

const POKE_DELAY_MS = 100;
/**
 * How long a claim holds the messages a worker took without being renewed: another worker takes them
 * over after that (this one died), so a crashed instance's patients wait about this long. The claim
 * is renewed every quarter of it while the batch is being sent, however long the gateway takes.
 */
const CLAIM_MS = 20_000;
/** Messages claimed at once: under load, fewer claims and commits; when few are due a claim takes what there is. */
const BATCH = 100;
/** Requests to the gateway under way at once. */
const SENDING = 20;
const MAX_BACKOFF_MS = 15 * 60_000;
const ACTIVE = new Set(['waiting', 'called', 'serving', 'parked']);

export interface DeliveryOptions {
  instance: string;
  /** The first retry waits this long, each next one twice as long (with jitter), up to 15 minutes. */
  retryBaseMs: number;
  /** After this many failed attempts a message is a dead letter, for an admin to see and retry. */
  maxAttempts: number;
  pollMs: number;
  /** How long a claim lasts unrenewed (CLAIM_MS; shorter in tests). */
  claimMs?: number;
}

type Outcome = Parameters<typeof repo.settle>[3];
/** A message ready to go: to a phone through the gateway, or to the patient's browsers. */
type Plan = { to: string; channel: 'sms' | 'whatsapp'; body: string; quickReplies?: QuickReplyTemplate } | { push: { tokenId: string; title: string; url: string; tag: string }; body: string };
/** Push failures that mean nobody is there to tell: not a failure of ours to retry or dead-letter. */
const GONE = new Set(['NO_SUBSCRIPTION', 'SUBSCRIPTION_GONE']);

const withoutPhones = (text: string) => text.replace(/\+?\d[\d\s-]{6,}\d/g, (digits) => `…${digits.replace(/\D/g, '').slice(-4)}`);

/**
 * Delivers the outbox: claims due messages atomically (so several instances never send one twice),
 * checks that the patient still wants it, renders it, sends it through the active gateway, and
 * records what happened. A failure that may pass is retried with exponential backoff; the rest, and
 * a message out of attempts, become dead letters.
 */
export function createDeliveryWorker(deps: {
  database: Database;
  clock: { now(): number };
  gateways: Gateways;
  settings: DepartmentSettings;
  templates: TemplateStore;
  clinicName: () => Promise<string>;
  departmentName: (id: string) => Promise<string | undefined>;
  /** Web Push (when PUBLIC_URL is https: browsers allow push only there). */
  push?: PushChannel | undefined;
  options: DeliveryOptions;
  onError: (error: unknown, context: string) => void;
}) {
  const { database } = deps;
  const { db } = database;
  const { options } = deps;
  const claimMs = options.claimMs ?? CLAIM_MS;
  function backoff(attempts: number, error: GatewayError): number {
    if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, MAX_BACKOFF_MS);
    const base = Math.min(options.retryBaseMs * 2 ** (attempts - 1), MAX_BACKOFF_MS);
    // ±20 %: many messages failing together do not all come back in the same instant.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** What to do with one claimed message: skip it (with the reason), or send this text to this phone. */
  async function prepare(message: repo.MessageRow, facts: repo.DeliveryFacts | undefined): Promise<{ skip: string } | Plan> {
    const vars = JSON.parse(message.vars) as MessageVars;
    const channel = message.channel === 'whatsapp' ? 'whatsapp' : 'sms';
    const byPush = message.channel === 'push';
    if (!message.token_id) {
      // A test message from the admin screen: its text was rendered when it was asked for.
      return { to: message.to_phone ?? '', channel, body: message.message_body ?? '' };
    }
    if (!facts?.token_id || facts.status_url === null) return { skip: 'the patient did not ask for messages' };
    if (!byPush && (!facts.phone_e164 || !facts.phone_index)) return { skip: 'the patient’s phone was erased' };
    if (!byPush && facts.opted_out_at !== null) return { skip: 'the patient replied STOP' };
    if (message.trigger === 'approaching' && facts.status !== 'waiting') return { skip: 'no longer waiting' };
    if (message.trigger !== 'cancelled' && message.trigger !== 'no_show' && !ACTIVE.has(facts.status) && message.trigger !== 'issued') return { skip: 'the visit has ended' };
    const departmentId = message.department_id ?? facts.department_id;
    const settings = await deps.settings.read(departmentId);
    if (!settings.triggers[message.trigger as NotificationTrigger]) return { skip: `“${message.trigger}” messages are off for this department` };
    // The patient's channel where the department offers it, else the other one (a browser's push needs no gateway).
    const other = channel === 'sms' ? 'whatsapp' : 'sms';
    const usable = settings.channels[channel] ? channel : settings.channels[other] ? other : undefined;
    if (!byPush && !usable) return { skip: 'this department sends no messages' };
    if (byPush && !settings.channels.push) return { skip: 'this department sends no browser notifications' };
    if (byPush && (!deps.push || (await deps.push.subscriberCount(message.token_id)) === 0)) return { skip: 'no browser is subscribed any more' };
    if (Number(facts.sent_count ?? 0) >= settings.maxMessagesPerToken) return { skip: `the limit of ${settings.maxMessagesPerToken} messages for this visit was reached` };
    const language = languageOf(message.language);
    const template = await deps.templates.effective(message.department_id, language, message.trigger as NotificationTrigger);
    const department = vars.department ?? (await deps.departmentName(departmentId));
    const body = renderTemplate(template, { ...vars, ...(department && { department }), statusUrl: facts.status_url, clinic: await deps.clinicName() });
    if (byPush) return { push: { tokenId: message.token_id, title: `${await deps.clinicName()} · ${vars.number}`, url: facts.status_url, tag: vars.number }, body };
    const via = usable ?? channel;
    // On WhatsApp the messages a patient can act on carry Status / Late / Cancel buttons.
    const buttons = via === 'whatsapp' && TRIGGERS_WITH_BUTTONS.has(message.trigger as NotificationTrigger);
    return { to: facts.phone_e164 ?? '', channel: via, body, ...(buttons && { quickReplies: quickReplyTemplate(language) }) };
  }

  async function send(plan: Plan): Promise<{ providerId: string | null; deliveredVia: string }> {
    if ('push' in plan) {
      // prepare() skipped push messages when there is no push channel.
      await deps.push!.notify(plan.push.tokenId, { title: plan.push.title, body: plan.body, url: plan.push.url, tag: plan.push.tag });
      return { providerId: null, deliveredVia: 'push' };
    }
    return (await deps.gateways.active()).send(plan);
  }

  /**
   * Sends one message; what happened is returned for the batch's one write. `facts` were read for
   * the whole batch; a message sent here counts towards the visit's limit for the next one.
   */
  async function deliver(message: repo.MessageRow, facts: repo.DeliveryFacts | undefined): Promise<Outcome> {
    const now = () => deps.clock.now();
    let outcome: Outcome;
    try {
      const plan = await prepare(message, facts);
      if ('skip' in plan) {
        outcome = { state: 'skipped', at: now(), error: plan.skip };
      } else {
        const sent = await send(plan);
        outcome = { state: 'sent', at: now(), error: null, providerId: sent.providerId, deliveredVia: sent.deliveredVia, body: plan.body, sent: true };
        if (facts) facts.sent_count = Number(facts.sent_count ?? 0) + 1;
      }
    } catch (error) {
      const failure = error instanceof GatewayError ? error : new GatewayError(error instanceof Error ? error.message : String(error), { retryable: true });
      if (!(error instanceof GatewayError)) deps.onError(error, 'notifications: preparing a message failed');
      // Twilio's refusals quote the number: the stored reason keeps only its last four digits.
      const reason = withoutPhones(`${failure.message}${failure.code !== undefined ? ` (code ${failure.code})` : ''}`);
      outcome = GONE.has(String(failure.code))
        ? { state: 'skipped', at: now(), error: 'the browser no longer takes notifications' }
        : failure.retryable && message.attempts < options.maxAttempts
          ? { state: 'pending', at: now(), error: reason, nextAttemptAt: now() + backoff(message.attempts, failure) }
          : { state: 'dead', at: now(), error: failure.retryable ? `gave up after ${message.attempts} attempts: ${reason}` : reason };
    }
    return outcome;
  }

  /** Sends a claimed batch: one patient's messages one after another, in the order of the changes; different patients' at once. */
  async function deliverBatch(batch: repo.MessageRow[]): Promise<[string, Outcome][]> {
    const byToken = new Map<string, repo.MessageRow[]>();
    for (const message of batch) byToken.set(message.token_id ?? message.id, [...(byToken.get(message.token_id ?? message.id) ?? []), message]);
    const facts = await repo.deliveryFacts(db, [...new Set(batch.flatMap((message) => (message.token_id ? [message.token_id] : [])))]);
    const outcomes: [string, Outcome][] = [];
    const patients = [...byToken.entries()];
    // At most SENDING requests to the gateway at once, however large the batch.
    const sender = async () => {
      for (let next = patients.shift(); next; next = patients.shift()) {
        const [tokenId, messages] = next;
        for (const message of messages.sort((x, y) => x.created_at - y.created_at)) outcomes.push([message.id, await deliver(message, facts.get(tokenId))]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(SENDING, patients.length) }, sender));
    return outcomes;
  }

  /**
   * Sends a claimed batch while keeping the claim: renewed every quarter of its length until the
   * batch is done, so a slow gateway (each request may take its 10 s timeout) never lets another
   * worker take over messages still being sent, and send them twice.
   */
  async function deliverHolding(batch: repo.MessageRow[]): Promise<[string, Outcome][]> {
    const ids = batch.map((message) => message.id);
    const renew = () =>
      repo.extendClaim(db, options.instance, ids, deps.clock.now() + claimMs).catch((error: unknown) => deps.onError(error, 'notifications: renewing a claim failed'));
    const timer = setInterval(() => void renew(), claimMs / 4);
    timer.unref();
    try {
      return await deliverBatch(batch);
    } finally {
      clearInterval(timer);
    }
  }

  const settleAll = async (trx: Kysely<DB>, outcomes: [string, Outcome][]) => {
    for (const [id, outcome] of outcomes) await repo.settle(trx, id, options.instance, outcome);
  };

  async function drain(): Promise<void> {
    let unsettled: [string, Outcome][] = [];
    try {
      for (;;) {
        const now = deps.clock.now();
        // What the last batch did and the next claim go in one transaction: on SQLite each commit is a
        // sync to disk on the server's thread, which the queue's own writes wait behind; the claim, a
        // write too, would otherwise be a commit of its own.
        const batch = await database.transact(async (trx) => {
          await settleAll(trx, unsettled);
          return repo.claimDue(trx, options.instance, now, now + claimMs, BATCH);
        });
        unsettled = [];
        if (batch.length === 0) return;
        unsettled = await deliverHolding(batch);
      }
    } finally {
      // Sent but not yet recorded (the claim that was to record them failed): recorded now, or the
      // messages would go again when their claim runs out.
      if (unsettled.length > 0) await database.transact((trx) => settleAll(trx, unsettled));
    }
  }

  const loop = createBackgroundPass({ pass: drain, intervalMs: options.pollMs, pokeDelayMs: POKE_DELAY_MS, onError: (error) => deps.onError(error, 'notifications: delivering the outbox failed') });

  return {
    start: loop.start,
    /** New messages were committed: send them now rather than at the next poll. */
    poke: loop.poke,
    stop: loop.stop,
    /** Until nothing is due (tests, and a clean shutdown). */
    drainNow: drain,
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
