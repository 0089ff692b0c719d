import { setTimeout as sleep } from 'node:timers/promises';
import type {
  Language,
  NotificationMessage,
  NotificationSettings,
  NotificationTrigger,
  PreviewTemplate,
  SaveTemplate,
  TemplatePreview,
  TestMessage,
  UpdateDepartmentNotifications,
  UpdateGateway,
} from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { iso } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { toE164 } from '../../lib/phone.js';
import { BY_SYSTEM, entryBy, type AuditBy, type AuditTrail } from '../audit/audit.js';
import { createApproachWatch, type LinePlaces } from './approach-watch.js';
import type { PushChannel } from './push/push-sender.js';
import { createChangeNotifier } from './change-notifier.js';
import { createDeliveryWorker, type DeliveryOptions } from './delivery-worker.js';
import { createDepartmentSettings } from './department-settings.js';
import { createGateways, type TwilioSettings } from './gateway.js';
import { createInboundReplies, type ReplyActions } from './inbound.js';
import * as repo from './notifications.repository.js';
import { assertTemplate, createTemplateStore } from './template-store.js';
import { smsSegments } from './texts/segments.js';
import { renderTemplate } from './texts/templates.js';

/** How long a test message waits for a background pass that claimed it before answering with its state. */
const TEST_SEND_WAIT_MS = 15_000;
const TEST_SEND_POLL_MS = 50;

/** States a delivery receipt may move a message from, and the receipts Twilio sends. */
const RECEIPT_STATES: Record<string, { state: string; from: readonly string[] }> = {
  sent: { state: 'sent', from: ['sent'] },
  delivered: { state: 'delivered', from: ['sent', 'undelivered'] },
  read: { state: 'delivered', from: ['sent', 'undelivered'] },
  undelivered: { state: 'undelivered', from: ['sent'] },
  failed: { state: 'failed', from: ['sent'] },
};

const NAMES_CACHE_MS = 5_000;

/** The last answer of `read`, for `ms`. */
function cachedFor<T>(ms: number, now: () => number, read: () => Promise<T>): () => Promise<T> {
  let kept: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!kept || now() - kept.at >= ms) {
      const value = read();
      kept = { at: now(), value };
      // A failed read is not kept.
      value.catch(() => (kept = undefined));
    }
    return kept.value;
  };
}

/** Example values for a template preview. */
const EXAMPLE = { number: 'OPD-042', counter: 'Room 3', minutes: '10', department: 'General OPD' };

export interface NotificationsDeps {
  database: Database;
  clock: { now(): number };
  timeZone: string;
  publicUrl: string;
  defaultPhoneRegion: string;
  twilio: TwilioSettings | undefined;
  twilioApiUrl: string;
  outboxFile: string;
  delivery: DeliveryOptions;
  approachIntervalMs: number;
  departmentName: (id: string) => Promise<string | undefined>;
  clinicName: () => Promise<string>;
  audit: AuditTrail;
  /** Web Push (modules/notifications/push), when PUBLIC_URL is https. */
  push?: PushChannel | undefined;
  onError: (error: unknown, context: string) => void;
}

export function toMessage(row: repo.MessageRow, tokenNumber: string | null): NotificationMessage {
  return {
    id: row.id,
    tokenId: row.token_id,
    tokenNumber,
    trigger: row.trigger as NotificationMessage['trigger'],
    channel: (row.delivered_via ?? row.channel) as NotificationMessage['channel'],
    state: row.state as NotificationMessage['state'],
    attempts: row.attempts,
    body: row.message_body ?? '',
    error: row.error,
    createdAt: iso(row.created_at),
    sentAt: row.sent_at === null ? null : iso(row.sent_at),
    updatedAt: iso(row.updated_at),
  };
}

/**
 * Patient notifications: the outbox written with each change, its delivery, "your turn is near",
 * replies that act on the queue, delivery receipts, and the admin's settings and templates.
 */
export function createNotifications(deps: NotificationsDeps) {
  const { database, clock } = deps;
  const { db } = database;
  const now = () => clock.now();
  const settings = createDepartmentSettings({ db, now });
  const templates = createTemplateStore({ db, now });
  const gateways = createGateways({ db, env: deps.twilio, apiUrl: deps.twilioApiUrl, publicUrl: deps.publicUrl, outboxFile: deps.outboxFile, now });
  // Names change rarely and each message reads them: a few seconds' staleness is fine.
  const clinicName = cachedFor(NAMES_CACHE_MS, now, () => deps.clinicName());
  const departmentNames = new Map<string, () => Promise<string | undefined>>();
  const departmentName = (id: string) => {
    let read = departmentNames.get(id);
    if (!read) departmentNames.set(id, (read = cachedFor(NAMES_CACHE_MS, now, () => deps.departmentName(id))));
    return read();
  };
  const worker = createDeliveryWorker({ database, clock, gateways, settings, templates, clinicName, departmentName, push: deps.push, options: deps.delivery, onError: deps.onError });
  const notifier = createChangeNotifier({ clock, settings, wrote: () => worker.poke() });
  let watch: ReturnType<typeof createApproachWatch> | undefined;

  async function numbersOf(rows: repo.MessageRow[]): Promise<Map<string, string>> {
    const ids = [...new Set(rows.flatMap((r) => (r.token_id ? [r.token_id] : [])))];
    return new Map((await repo.tokenNumbers(db, ids)).map((token) => [token.id, token.number]));
  }

  return {
    notifier,
    worker,
    settings,
    templates,
    gateways,

    /** Starts delivery and the approach watch; the queue gives the places (it is built after this). */
    start(places: LinePlaces): void {
      watch = createApproachWatch({ database, clock, settings, places, wrote: () => worker.poke(), onError: deps.onError, intervalMs: deps.approachIntervalMs });
      worker.start();
      watch.start();
    },
    /** Committed queue changes (this instance's or another's): positions moved in these departments. */
    lineChanged(departmentIds: Iterable<string>): void {
      watch?.poke(departmentIds);
    },
    async stop(): Promise<void> {
      await Promise.all([watch?.stop(), worker.stop()]);
    },
    sweepApproaching: () => watch?.sweepNow() ?? Promise.resolve(),
    /** A patient's browser subscribed on the status page: the visit's changes are pushed to it from now on. */
    pushConsented: (tokenId: string, statusUrl: string) => database.transact((trx) => repo.consentToPush(trx, tokenId, statusUrl, now())),
    /** A reprinted ticket: later messages carry its new status link (the old one no longer works). */
    statusLinkReplaced: (trx: Kysely<DB>, tokenId: string, statusUrl: string) => repo.replaceStatusUrl(trx, tokenId, statusUrl),

    replies(queue: ReplyActions) {
      return createInboundReplies({ database, clock, timeZone: deps.timeZone, defaultPhoneRegion: deps.defaultPhoneRegion, queue });
    },

    /** A delivery receipt from Twilio; a WhatsApp message that failed is sent again by SMS. */
    async receipt(providerId: string, status: string, errorCode: string | undefined): Promise<void> {
      const rule = RECEIPT_STATES[status];
      if (!rule) return;
      const error = errorCode ? `the carrier reported error ${errorCode}` : null;
      const row = await repo.recordReceipt(db, providerId, rule.state, rule.state === 'delivered' || rule.state === 'sent' ? null : error ?? `${status} by the carrier`, now(), rule.from);
      if (!row || (rule.state !== 'failed' && rule.state !== 'undelivered') || row.delivered_via !== 'whatsapp' || !row.token_id) return;
      if (await repo.insertMessage(db, { id: newId(), dedupe_key: `fallback:${row.id}`, token_id: row.token_id, department_id: row.department_id, trigger: row.trigger, channel: 'sms', language: row.language, vars: row.vars, at: now() })) {
        worker.poke();
      }
    },

    async adminSettings(departmentIds: string[]): Promise<NotificationSettings> {
      return { gateway: await gateways.describe(), departments: await Promise.all(departmentIds.map((id) => settings.read(id))) };
    },
    /** A department's channels, triggers and limits; recorded in the audit trail with the change. */
    updateDepartment: (departmentId: string, change: UpdateDepartmentNotifications, by: AuditBy = BY_SYSTEM) =>
      database.transact(async (trx) => {
        const updated = await settings.update(departmentId, change, trx);
        await deps.audit.record(trx, entryBy(by, { type: 'admin.settings.updated', action: 'notifications.department', subject: { kind: 'department', id: departmentId }, details: { ...change } }));
        return updated;
      }),
    async saveGateway(change: UpdateGateway, by: AuditBy = BY_SYSTEM) {
      if (gateways.fromEnvironment) throw new ConflictError('Twilio is set in the server’s environment (TWILIO_ACCOUNT_SID); change it there.');
      const saved = await database.transact(async (trx) => {
        if (!(await gateways.save(change, trx))) return false;
        // Never the auth token: only that it was replaced.
        const details = { accountSid: change.accountSid, fromSms: change.fromSms, fromWhatsapp: change.fromWhatsapp, authTokenReplaced: change.authToken !== undefined };
        await deps.audit.record(trx, entryBy(by, { type: 'admin.settings.updated', action: 'notifications.gateway', subject: { kind: 'settings', id: 'notifications.gateway' }, details }));
        return true;
      });
      if (!saved) throw new ValidationError('Give the Twilio auth token the first time the gateway is set.', [{ path: 'authToken', message: 'required the first time' }]);
      return gateways.describe();
    },
    saveTemplate: (input: SaveTemplate, by: AuditBy = BY_SYSTEM) =>
      database.transact(async (trx) => {
        const saved = await templates.save(input, trx);
        await deps.audit.record(trx, entryBy(by, { type: 'admin.settings.updated', action: 'notifications.template', subject: { kind: 'settings', id: `template.${input.departmentId ?? 'clinic'}.${input.language}.${input.trigger}` }, details: { body: input.body } }));
        return saved;
      }),
    revertTemplate: (departmentId: string | null, language: Language, trigger: NotificationTrigger, by: AuditBy = BY_SYSTEM) =>
      database.transact(async (trx) => {
        if (!(await templates.revert(departmentId, language, trigger, trx))) return;
        await deps.audit.record(trx, entryBy(by, { type: 'admin.settings.updated', action: 'notifications.template.reverted', subject: { kind: 'settings', id: `template.${departmentId ?? 'clinic'}.${language}.${trigger}` } }));
      }),

    async preview(input: PreviewTemplate): Promise<TemplatePreview> {
      assertTemplate(input.body);
      const department = input.departmentId ? await departmentName(input.departmentId) : undefined;
      const text = renderTemplate(input.body, { ...EXAMPLE, ...(department && { department }), statusUrl: `${deps.publicUrl}/s/EXAMPLE`, clinic: await clinicName() });
      return { text, ...smsSegments(text) };
    },

    /** The admin's test: the effective template with example values, through the outbox like any message. */
    async sendTest(input: TestMessage): Promise<NotificationMessage> {
      const to = toE164(input.to, deps.defaultPhoneRegion, 'to');
      const body = (await this.preview({ departmentId: input.departmentId ?? null, language: input.language, trigger: input.trigger, body: await templates.effective(input.departmentId ?? null, input.language, input.trigger) })).text;
      const id = newId();
      await database.transact(async (trx) => {
        await repo.insertMessage(trx, { id, dedupe_key: `test:${id}`, token_id: null, department_id: input.departmentId ?? null, trigger: 'test', channel: input.channel, language: input.language, vars: '{}', to_phone: to, at: now() });
        await repo.setTestBody(trx, id, body);
      });
      await worker.drainNow();
      let row = await repo.findMessage(db, id);
      // The background worker may have claimed it first: its pass is sending it (at most the gateway's timeout).
      for (const started = Date.now(); row?.state === 'sending' && Date.now() - started < TEST_SEND_WAIT_MS; row = await repo.findMessage(db, id)) {
        await sleep(TEST_SEND_POLL_MS);
      }
      return toMessage(row!, null);
    },

    async messagesOfToken(tokenId: string): Promise<NotificationMessage[]> {
      const rows = await repo.messagesOfToken(db, tokenId);
      const numbers = await numbersOf(rows);
      return rows.map((r) => toMessage(r, r.token_id ? (numbers.get(r.token_id) ?? null) : null));
    },
    async messagesInState(state: string): Promise<NotificationMessage[]> {
      const rows = await repo.messagesInState(db, state, 200);
      const numbers = await numbersOf(rows);
      return rows.map((r) => toMessage(r, r.token_id ? (numbers.get(r.token_id) ?? null) : null));
    },
    async retry(id: string): Promise<NotificationMessage> {
      if (!(await repo.requeue(db, id, now()))) {
        const row = await repo.findMessage(db, id);
        if (!row) throw new NotFoundError(`Message ${id} does not exist.`);
        throw new ConflictError(`This message is ${row.state}; only a dead or failed message can be sent again.`);
      }
      worker.poke();
      return toMessage((await repo.findMessage(db, id))!, null);
    },
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
