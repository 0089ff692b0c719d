import type { Language, PublicStatus } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { localDay } from '../../lib/clock.js';
import { toE164 } from '../../lib/phone.js';
import { cipherOf } from '../keys/encrypted-columns.js';
import { PATIENT_REPLY_ACTOR, type Actor } from '../queue/tokens.js';
import * as repo from './notifications.repository.js';
import { languageOf } from './template-store.js';
import { parseInbound } from './texts/inbound-commands.js';
import { replyText, type Reply } from './texts/replies.js';

/** A CANCEL is confirmed by a YES within this long; later, the YES means nothing. */
const CANCEL_CONFIRM_MS = 10 * 60_000;
const ACTIVE = new Set(['waiting', 'called', 'serving', 'parked']);

/** What replies may do to the queue: the same commands staff use, so the same rules, events and trail. */
export interface ReplyActions {
  statusOfToken(tokenId: string): Promise<{ status: PublicStatus } | undefined>;
  lateBy(actor: Actor, tokenId: string, minutes: number): Promise<unknown>;
  cancel(actor: Actor, tokenId: string, reason?: string): Promise<unknown>;
}

/**
 * A patient's SMS or WhatsApp reply: STATUS, LATE 15, CANCEL then YES, STOP, START, HELP, in the
 * clinic's languages. The answer is the text to send back. A number with no visit today gets the
 * same neutral answer as an unknown one: a reply never tells a stranger whose number it is.
 */
export function createInboundReplies(deps: { database: Database; clock: { now(): number }; timeZone: string; defaultPhoneRegion: string; queue: ReplyActions; onStop?: (via: string) => void }) {
  const { db } = deps.database;

  function phoneOf(from: string): { e164: string; via: 'sms' | 'whatsapp' } | undefined {
    const whatsapp = from.startsWith('whatsapp:');
    try {
      return { e164: toE164(whatsapp ? from.slice('whatsapp:'.length) : from, deps.defaultPhoneRegion), via: whatsapp ? 'whatsapp' : 'sms' };
    } catch {
      return undefined;
    }
  }

  async function answer(from: string, text: string, buttonPayload?: string): Promise<string> {
    const command = parseInbound(text, buttonPayload);
    const phone = phoneOf(from);
    if (!phone) return replyText(command.language ?? 'en', { kind: 'neutral' });
    const phoneIndex = cipherOf(db).blindIndex('phone', phone.e164);
    const now = deps.clock.now();
    const visits = await repo.visitsOfPhone(db, phoneIndex, localDay(now, deps.timeZone));
    const visit = visits.find((v) => ACTIVE.has(v.status)) ?? visits[0];
    // The patient's own language when we know it; else the one they wrote in.
    const language: Language = visit?.language ? languageOf(visit.language) : (command.language ?? 'en');
    const say = (reply: Reply) => replyText(language, reply);

    // Opting out and in is about the number, whoever it is: honoured at once, and recorded.
    if (command.kind === 'stop') {
      await repo.optOut(db, phoneIndex, phone.via, now);
      deps.onStop?.(phone.via);
      return say({ kind: 'stopped' });
    }
    if (command.kind === 'start') {
      await repo.optIn(db, phoneIndex);
      return say({ kind: 'started' });
    }
    if (command.kind === 'help') return say({ kind: 'help' });
    if (!visit || !ACTIVE.has(visit.status)) return say({ kind: 'neutral' });

    switch (command.kind) {
      case 'status': {
        const found = await deps.queue.statusOfToken(visit.id);
        if (!found) return say({ kind: 'neutral' });
        const s = found.status;
        return say({
          kind: 'status',
          number: s.number,
          position: s.position ?? 0,
          minMinutes: s.estimatedWait?.minMinutes ?? 0,
          maxMinutes: s.estimatedWait?.maxMinutes ?? 0,
          department: s.departmentName,
          ...(s.counterName && (s.status === 'called' || s.status === 'serving') && { counter: s.counterName }),
        });
      }
      case 'late': {
        if (visit.late_used_at !== null) return say({ kind: 'late-refused', number: visit.number, reason: 'used' });
        if (visit.status !== 'waiting') return say({ kind: 'late-refused', number: visit.number, reason: 'not-waiting' });
        if (!(await repo.markLateUsed(db, visit.id, now))) return say({ kind: 'late-refused', number: visit.number, reason: 'used' });
        try {
          await deps.queue.lateBy(PATIENT_REPLY_ACTOR, visit.id, command.minutes);
        } catch (error) {
          // The token moved on meanwhile (called): the one LATE is not spent on nothing.
          await repo.clearLateUsed(db, visit.id);
          if (error instanceof AppError && error.status === 409) return say({ kind: 'late-refused', number: visit.number, reason: 'not-waiting' });
          throw error;
        }
        return say({ kind: 'late-ok', number: visit.number, minutes: command.minutes });
      }
      case 'cancel': {
        if (visit.status === 'serving') return say({ kind: 'cancel-not-possible', number: visit.number });
        await repo.setCancelAsked(db, visit.id, now);
        return say({ kind: 'cancel-confirm', number: visit.number });
      }
      case 'yes': {
        if (visit.cancel_asked_at === null || now - visit.cancel_asked_at > CANCEL_CONFIRM_MS) return say({ kind: 'help' });
        await repo.setCancelAsked(db, visit.id, null);
        try {
          await deps.queue.cancel(PATIENT_REPLY_ACTOR, visit.id, 'the patient cancelled by message');
        } catch (error) {
          if (error instanceof AppError && error.status === 409) return say({ kind: 'cancel-not-possible', number: visit.number });
          throw error;
        }
        return say({ kind: 'cancelled', number: visit.number });
      }
      case 'no': {
        await repo.setCancelAsked(db, visit.id, null);
        return say({ kind: 'help' });
      }
      default:
        return say({ kind: 'help' });
    }
  }

  return { answer };
}

export type InboundReplies = ReturnType<typeof createInboundReplies>;
