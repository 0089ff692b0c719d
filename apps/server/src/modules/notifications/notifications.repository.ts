import type { Kysely, Selectable } from 'kysely';
import type { DB, NotificationConsentsTable, NotificationMessagesTable } from '../../db/schema.js';
import { prepared, type Params } from '../../db/prepared.js';
import { aadOf, cipherOf } from '../keys/encrypted-columns.js';

type Db = Kysely<DB>;
export type MessageRow = Selectable<NotificationMessagesTable>;
export type ConsentRow = Selectable<NotificationConsentsTable>;

export const consentAad = (tokenId: string) => aadOf('notification_consents', 'status_url', tokenId);
const bodyAad = (id: string) => aadOf('notification_messages', 'message_body', id);
const phoneAad = (id: string) => aadOf('notification_messages', 'to_phone', id);

export async function insertConsent(db: Db, row: { token_id: string; channel: string; consented_at: number; language: string | null; status_url: string }): Promise<void> {
  await db
    .insertInto('notification_consents')
    .values({ ...row, status_url: cipherOf(db).encrypt(row.status_url, consentAad(row.token_id)), approach_due: 1 })
    .execute();
}

/** A reprint's new status link, for the messages still to come. */
export async function replaceStatusUrl(db: Db, tokenId: string, statusUrl: string): Promise<void> {
  await db.updateTable('notification_consents').set({ status_url: cipherOf(db).encrypt(statusUrl, consentAad(tokenId)) }).where('token_id', '=', tokenId).execute();
}

/**
 * A browser subscribed to Web Push from the status page: the visit's consent (if it had none, by
 * SMS or WhatsApp) and its channel, so its changes write messages from now on.
 */
export async function consentToPush(db: Db, tokenId: string, statusUrl: string, at: number): Promise<void> {
  await db
    .insertInto('notification_consents')
    .values({ token_id: tokenId, channel: 'push', consented_at: at, language: null, status_url: cipherOf(db).encrypt(statusUrl, consentAad(tokenId)), approach_due: 1 })
    .onConflict((oc) => oc.column('token_id').doNothing())
    .execute();
  await db.updateTable('tokens').set({ notify_channel: 'push' }).where('id', '=', tokenId).where('notify_channel', 'is', null).execute();
}

export async function findConsent(db: Db, tokenId: string): Promise<ConsentRow | undefined> {
  return db.selectFrom('notification_consents').selectAll().where('token_id', '=', tokenId).executeTakeFirst();
}

/** "Your turn is near" may be sent again (the token was parked), or is no longer wanted (the visit ended). */
export async function setApproachDue(db: Db, tokenId: string, due: boolean): Promise<void> {
  await db.updateTable('notification_consents').set({ approach_due: due ? 1 : 0 }).where('token_id', '=', tokenId).execute();
}

/** Takes the approach message for one token: true for exactly one caller, whatever the instances. */
export async function claimApproach(db: Db, tokenId: string): Promise<boolean> {
  const result = await db.updateTable('notification_consents').set({ approach_due: 0 }).where('token_id', '=', tokenId).where('approach_due', '=', 1).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Of these tokens (a line's head), the ones still owed "your turn is near". */
export async function approachDueAmong(db: Db, tokenIds: string[]): Promise<string[]> {
  if (tokenIds.length === 0) return [];
  const rows = await db.selectFrom('notification_consents').select('token_id').where('token_id', 'in', tokenIds).where('approach_due', '=', 1).execute();
  return rows.map((row) => row.token_id);
}

export async function markLateUsed(db: Db, tokenId: string, at: number): Promise<boolean> {
  const result = await db.updateTable('notification_consents').set({ late_used_at: at }).where('token_id', '=', tokenId).where('late_used_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setCancelAsked(db: Db, tokenId: string, at: number | null): Promise<void> {
  await db.updateTable('notification_consents').set({ cancel_asked_at: at }).where('token_id', '=', tokenId).execute();
}

export interface NewMessage {
  id: string;
  dedupe_key: string;
  token_id: string | null;
  department_id: string | null;
  trigger: string;
  channel: string;
  language: string | null;
  vars: string;
  to_phone?: string;
  at: number;
}

type NewMessageParam = 'id' | 'dedupe_key' | 'token_id' | 'department_id' | 'trigger' | 'channel' | 'language' | 'vars' | 'to_phone' | 'at';

/** Written in the transaction of every change a consenting patient hears about: prepared, built and compiled once (db/prepared.ts). */
const insertMessageQuery = prepared((db, p: Params<NewMessageParam>) =>
  db
    .insertInto('notification_messages')
    .values({
      id: p.id,
      dedupe_key: p.dedupe_key,
      token_id: p.token_id,
      department_id: p.department_id,
      trigger: p.trigger,
      channel: p.channel,
      delivered_via: null,
      language: p.language,
      vars: p.vars,
      to_phone: p.to_phone,
      message_body: null,
      state: 'pending',
      attempts: 0,
      next_attempt_at: p.at,
      claimed_by: null,
      claimed_until: null,
      provider_id: null,
      error: null,
      created_at: p.at,
      sent_at: null,
      updated_at: p.at,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing()),
);

/** Writes a message to the outbox; a second message for the same cause is dropped (false). */
export async function insertMessage(db: Db, m: NewMessage): Promise<boolean> {
  const result = await insertMessageQuery(db, {
    ...m,
    to_phone: m.to_phone === undefined ? null : cipherOf(db).encrypt(m.to_phone, phoneAad(m.id)),
  });
  return Number(result.numAffectedRows ?? 0n) === 1;
}

/**
 * Claims up to `limit` due messages for this worker until `until`: ones another worker claimed and
 * never finished (it died), then pending ones whose time has come, oldest first. Each is read
 * through the index in the order it is taken, so a claim costs what it takes, not the backlog. Run
 * it in a transaction: the UPDATE checks each row again, so of two workers that read the same
 * messages only the first claims them (on PostgreSQL the second waits for its row locks, then skips).
 */
export async function claimDue(trx: Db, worker: string, now: number, until: number, limit: number): Promise<MessageRow[]> {
  const abandoned = await trx.selectFrom('notification_messages').select('id').where('state', '=', 'sending').where('claimed_until', '<', now).limit(limit).execute();
  const due = await trx
    .selectFrom('notification_messages')
    .select('id')
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .orderBy('created_at')
    .limit(limit - abandoned.length)
    .execute();
  const ids = [...abandoned, ...due].map((row) => row.id);
  if (ids.length === 0) return [];
  return trx
    .updateTable('notification_messages')
    .set((eb) => ({ state: 'sending', claimed_by: worker, claimed_until: until, attempts: eb('attempts', '+', 1), updated_at: now }))
    .where('id', 'in', ids)
    // Checked again as one CASE, which no index serves: as an OR of two ranges SQLite's planner (it
    // has no statistics) walked every due message for it rather than twenty lookups by key.
    .where((eb) =>
      eb
        .case()
        .when('state', '=', 'pending')
        .then(eb('next_attempt_at', '<=', now))
        .when('state', '=', 'sending')
        .then(eb('claimed_until', '<', now))
        .else(eb.lit(false))
        .end(),
    )
    .returningAll()
    .execute();
}

/** Keeps a worker's claim on messages it is still sending; a message settled or taken over meanwhile is left alone. */
export async function extendClaim(db: Db, worker: string, ids: readonly string[], until: number): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('notification_messages').set({ claimed_until: until }).where('id', 'in', ids).where('claimed_by', '=', worker).where('state', '=', 'sending').execute();
}

/** A message sent, the outcome of nearly every message: prepared, built and compiled once (db/prepared.ts). */
const settleSentQuery = prepared((db, p: Params<'id' | 'worker' | 'at' | 'provider_id' | 'delivered_via' | 'message_body'>) =>
  db
    .updateTable('notification_messages')
    .set({ state: 'sent', updated_at: p.at, claimed_by: null, claimed_until: null, error: null, provider_id: p.provider_id, delivered_via: p.delivered_via, message_body: p.message_body, sent_at: p.at })
    .where('id', '=', p.id)
    .where('claimed_by', '=', p.worker)
    .where('state', '=', 'sending'),
);

/** The worker's outcome for a message it holds; ignored when its claim was taken over meanwhile. */
export async function settle(
  db: Db,
  id: string,
  worker: string,
  outcome: { state: string; at: number; error?: string | null; providerId?: string | null; deliveredVia?: string | null; body?: string | null; nextAttemptAt?: number; sent?: boolean },
): Promise<boolean> {
  if (outcome.state === 'sent' && outcome.sent && outcome.error === null && outcome.providerId !== undefined && outcome.deliveredVia !== undefined && typeof outcome.body === 'string') {
    const sent = await settleSentQuery(db, {
      id,
      worker,
      at: outcome.at,
      provider_id: outcome.providerId,
      delivered_via: outcome.deliveredVia,
      message_body: cipherOf(db).encrypt(outcome.body, bodyAad(id)),
    });
    return Number(sent.numAffectedRows ?? 0) === 1;
  }
  const result = await db
    .updateTable('notification_messages')
    .set({
      state: outcome.state,
      updated_at: outcome.at,
      claimed_by: null,
      claimed_until: null,
      ...(outcome.error !== undefined && { error: outcome.error === null ? null : outcome.error.slice(0, 500) }),
      ...(outcome.providerId !== undefined && { provider_id: outcome.providerId }),
      ...(outcome.deliveredVia !== undefined && { delivered_via: outcome.deliveredVia }),
      ...(outcome.body !== undefined && { message_body: outcome.body === null ? null : cipherOf(db).encrypt(outcome.body, bodyAad(id)) }),
      ...(outcome.nextAttemptAt !== undefined && { next_attempt_at: outcome.nextAttemptAt }),
      ...(outcome.sent && { sent_at: outcome.at }),
    })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .where('state', '=', 'sending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A delivery receipt: moves a sent message on (never back: a late 'sent' after 'delivered' changes nothing). */
export async function recordReceipt(db: Db, providerId: string, state: string, error: string | null, at: number, from: readonly string[]): Promise<MessageRow | undefined> {
  return db
    .updateTable('notification_messages')
    .set({ state, error, updated_at: at })
    .where('provider_id', '=', providerId)
    .where('state', 'in', [...from])
    .returningAll()
    .executeTakeFirst();
}

export async function findMessage(db: Db, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('notification_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function messagesOfToken(db: Db, tokenId: string): Promise<MessageRow[]> {
  return db.selectFrom('notification_messages').selectAll().where('token_id', '=', tokenId).orderBy('created_at').orderBy('id').execute();
}

export async function messagesInState(db: Db, state: string, limit: number): Promise<MessageRow[]> {
  return db.selectFrom('notification_messages').selectAll().where('state', '=', state).orderBy('updated_at', 'desc').limit(limit).execute();
}

/** An admin's retry of a dead letter: pending again, due now, with a fresh count of attempts. */
export async function requeue(db: Db, id: string, at: number): Promise<boolean> {
  const result = await db
    .updateTable('notification_messages')
    .set({ state: 'pending', attempts: 0, next_attempt_at: at, error: null, updated_at: at })
    .where('id', '=', id)
    .where('state', 'in', ['dead', 'failed', 'undelivered'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function optOut(db: Db, phoneIndex: string, via: string, at: number): Promise<void> {
  await db.insertInto('notification_opt_outs').values({ phone_index: phoneIndex, opted_out_at: at, via }).onConflict((oc) => oc.column('phone_index').doNothing()).execute();
}

export async function optIn(db: Db, phoneIndex: string): Promise<void> {
  await db.deleteFrom('notification_opt_outs').where('phone_index', '=', phoneIndex).execute();
}

/** Every saved template, the clinic's and each department's. */
export async function allTemplates(db: Db): Promise<{ department_id: string; language: string; trigger: string; template_text: string }[]> {
  return db.selectFrom('notification_templates').select(['department_id', 'language', 'trigger', 'template_text']).execute();
}

export async function saveTemplate(db: Db, row: { department_id: string; language: string; trigger: string; template_text: string; updated_at: number }): Promise<void> {
  await db
    .insertInto('notification_templates')
    .values(row)
    .onConflict((oc) => oc.columns(['department_id', 'language', 'trigger']).doUpdateSet({ template_text: row.template_text, updated_at: row.updated_at }))
    .execute();
}

export async function deleteTemplate(db: Db, key: { department_id: string; language: string; trigger: string }): Promise<boolean> {
  const result = await db
    .deleteFrom('notification_templates')
    .where('department_id', '=', key.department_id)
    .where('language', '=', key.language)
    .where('trigger', '=', key.trigger)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * Everything a patient's message needs when it is sent, in one read: the token (where it is, the
 * phone), the consent (the status link), whether the number said STOP, and how many messages the
 * visit has had (the quiet limit).
 */
/** What the worker checks before sending a token's message: its state, the patient's consent, STOP, messages sent. */
export type DeliveryFacts = Awaited<ReturnType<typeof deliveryFactsQuery>>[number];

function deliveryFactsQuery(db: Db, tokenIds: readonly string[]) {
  return db
    .selectFrom('tokens as t')
    .leftJoin('notification_consents as c', 'c.token_id', 't.id')
    .leftJoin('notification_opt_outs as o', 'o.phone_index', 't.phone_index')
    .select((eb) => [
      't.id',
      't.status',
      't.department_id',
      't.phone_e164',
      't.phone_index',
      'c.token_id',
      'c.status_url',
      'o.opted_out_at',
      eb
        .selectFrom('notification_messages as m')
        .select((m) => m.fn.countAll<number>().as('n'))
        .whereRef('m.token_id', '=', 't.id')
        .where('m.state', 'in', ['sent', 'delivered', 'undelivered', 'failed'])
        .as('sent_count'),
    ])
    .where('t.id', 'in', [...tokenIds])
    .execute();
}

/** The delivery facts of a batch's tokens, in one read (a read per message was most of a message's own cost). */
export async function deliveryFacts(db: Db, tokenIds: readonly string[]): Promise<Map<string, DeliveryFacts>> {
  if (tokenIds.length === 0) return new Map();
  return new Map((await deliveryFactsQuery(db, tokenIds)).map((row) => [row.id, row]));
}

/** The numbers (and versions) of these tokens, in one read: what message lists and the approach watch show and key by. */
export async function tokenNumbers(db: Db, tokenIds: readonly string[]): Promise<{ id: string; number: string; version: number }[]> {
  if (tokenIds.length === 0) return [];
  return db.selectFrom('tokens').select(['id', 'number', 'version']).where('id', 'in', [...tokenIds]).execute();
}

/** Today's visits of a phone that asked for messages, newest first (inbound replies act on the first). */
export async function visitsOfPhone(db: Db, phoneIndex: string, day: string) {
  return db
    .selectFrom('tokens as t')
    .innerJoin('notification_consents as c', 'c.token_id', 't.id')
    .select(['t.id', 't.number', 't.status', 't.department_id', 't.counter_id', 't.issued_at', 'c.language', 'c.late_used_at', 'c.cancel_asked_at'])
    .where('t.phone_index', '=', phoneIndex)
    .where('t.issue_day', '=', day)
    .orderBy('t.issued_at', 'desc')
    .execute();
}

export async function clearLateUsed(db: Db, tokenId: string): Promise<void> {
  await db.updateTable('notification_consents').set({ late_used_at: null }).where('token_id', '=', tokenId).execute();
}

/** A test message's text, rendered when the admin asked for it (encrypted like every message's). */
export async function setTestBody(db: Db, id: string, body: string): Promise<void> {
  await db.updateTable('notification_messages').set({ message_body: cipherOf(db).encrypt(body, bodyAad(id)) }).where('id', '=', id).execute();
}
