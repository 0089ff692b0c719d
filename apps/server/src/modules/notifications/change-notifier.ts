import type { LiveEventType, NotificationTrigger } from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import type { TokenRow } from '../queue/queue.repository.js';
import type { DepartmentSettings } from './department-settings.js';
import * as repo from './notifications.repository.js';

/** The message each change of a token causes (the live event's type says what happened). */
const TRIGGER_OF: Partial<Record<LiveEventType, NotificationTrigger>> = {
  'token.called': 'called',
  'token.recalled': 'recalled',
  'token.transferred': 'transferred',
  'token.no_show': 'no_show',
  'token.cancelled': 'cancelled',
};

const FINISHED = new Set(['completed', 'no_show', 'cancelled']);

/** What a message's template is filled with, taken when the change happens. */
export interface MessageVars {
  number: string;
  department?: string;
  counter?: string;
  minutes?: string;
}

/**
 * Writes the messages a change causes into the outbox, in the change's own transaction: committed
 * with it or not at all. Tokens whose patient did not ask for messages cost nothing here.
 */
export function createChangeNotifier(deps: {
  clock: { now(): number };
  settings: DepartmentSettings;
  /** Told after a commit that wrote messages, so a worker sends them at once. */
  wrote?: () => void;
}) {
  // Set when a transaction wrote a message: its commit wakes the worker (other commits cost nothing).
  let wroteSome = false;

  async function enqueue(trx: Kysely<DB>, token: TokenRow, trigger: NotificationTrigger, dedupeKey: string, vars: MessageVars, language: string | null): Promise<void> {
    await repo.insertMessage(trx, {
      id: newId(),
      dedupe_key: dedupeKey,
      token_id: token.id,
      department_id: token.department_id,
      trigger,
      channel: token.notify_channel ?? 'sms',
      language,
      vars: JSON.stringify(vars),
      at: deps.clock.now(),
    });
    wroteSome = true;
  }

  return {
    /** A token issued with the patient's consent: the consent is recorded and the first message written. */
    async issued(trx: Kysely<DB>, token: TokenRow, consent: { statusUrl: string; language: string | null }, place: { position: number; maxMinutes: number }): Promise<void> {
      if (!token.notify_channel) return;
      const settings = await deps.settings.read(token.department_id, trx);
      await repo.insertConsent(trx, { token_id: token.id, channel: token.notify_channel, consented_at: deps.clock.now(), language: consent.language, status_url: consent.statusUrl });
      // Already near the front: "your turn is near" would only repeat the ticket's message.
      if (place.position <= settings.approach.position || place.maxMinutes <= settings.approach.minutes) await repo.setApproachDue(trx, token.id, false);
      await enqueue(trx, token, 'issued', `tok:${token.id}:issued`, { number: token.number }, consent.language);
    },

    /** A transition of a token whose patient asked for messages. */
    async changed(trx: Kysely<DB>, before: TokenRow, after: TokenRow, type: LiveEventType, counterName: string | undefined): Promise<void> {
      if (!after.notify_channel) return;
      // Parked, or sent on to another department's line: "your turn is near" is due again.
      const newLine = after.status === 'waiting' && after.department_id !== before.department_id;
      if (after.status === 'parked' || newLine) await repo.setApproachDue(trx, after.id, true);
      else if (FINISHED.has(after.status) && !FINISHED.has(before.status)) await repo.setApproachDue(trx, after.id, false);
      const trigger = TRIGGER_OF[type];
      if (!trigger) return;
      // One insert, nothing read: the department's name and the status link are filled in when it is sent.
      await enqueue(trx, after, trigger, `tok:${after.id}:v${after.version}:${trigger}`, { number: after.number, ...(counterName && { counter: counterName }) }, after.language);
    },

    /** After any queue commit: wakes the worker when a message may have been written. */
    committed(): void {
      if (!wroteSome) return;
      wroteSome = false;
      deps.wrote?.();
    },
  };
}

export type ChangeNotifier = ReturnType<typeof createChangeNotifier>;
