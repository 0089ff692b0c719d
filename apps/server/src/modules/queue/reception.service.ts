import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { ACTIVE_STATUSES, TOKEN_SEARCH_LIMIT, type ReprintedToken, type Token, type TokenStatus } from '@smart-token/contracts';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { Database } from '../../db/database.js';
import { AppError, InvalidTransitionError, NotFoundError } from '../../errors.js';
import { localDay, type Clock } from '../../lib/clock.js';
import { newId, newSecret, sha256 } from '../../lib/ids.js';
import { forViewer, inScope, notYourDepartment, type Viewer } from './department-scope.js';
import type { QueueService } from './queue.service.js';
import * as repo from './queue.repository.js';
import * as reception from './reception.repository.js';
import { auditActorOf, snapshot, toToken, type Actor } from './tokens.js';
import type { AuditTrail } from '../audit/audit.js';

/** A number typed with its department's letters: `GEN-004`, `gen 4`, `GEN4`. */
const NUMBER_WITH_CODE = /^([A-Za-z]{1,6})[\s-]*(\d{1,6})$/;
const LETTERS_ONLY = /^[A-Za-z]{1,6}$/;
/** Up to this many digits alone are a token's sequence (`4` → GEN-004, LAB-004); four digits are also a phone's last four. */
const MAX_SEQ_DIGITS = 4;
const PHONE_LAST_DIGITS = 4;
const MAX_RACE_RETRIES = 5;
/**
 * A search by name reads the day's names, decrypted, and matches them here (the database holds only
 * ciphertext): at most this many, the newest. A clinic issues far fewer tokens in a day.
 */
const NAME_SEARCH_CANDIDATES = 20_000;

/** Newest first, as the search answers: by issue time, then id. */
const newestFirst = (a: repo.TokenRow, b: repo.TokenRow): number => b.issued_at - a.issued_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** A finished token's status as the sentence says it. */
const FINISHED_WORDS: Partial<Record<TokenStatus, string>> = { completed: 'completed', cancelled: 'cancelled', no_show: 'marked as no-show' };

const isActive = (status: TokenStatus): boolean => (ACTIVE_STATUSES as readonly TokenStatus[]).includes(status);

/**
 * Reception's mending of today's tokens: find one (number, phone or name), and reprint its ticket
 * with a new status key. Moving and cancelling are the queue's own transitions.
 */
export function createReceptionService(deps: {
  database: Database;
  clock: Clock;
  timeZone: string;
  publicUrl: string;
  defaultPhoneRegion: string;
  queue: Pick<QueueService, 'withPlace' | 'departmentName'>;
  audit: AuditTrail;
  /** The patient's messages carry the status link: a reprint's new one replaces it there, in the same transaction. */
  statusLinkReplaced?: (trx: Kysely<DB>, tokenId: string, statusUrl: string) => Promise<void>;
}) {
  const { database, clock, timeZone, publicUrl, defaultPhoneRegion, queue, audit } = deps;
  const today = () => localDay(clock.now(), timeZone);

  /** The whole phone number a query stands for, if it is one (read in the clinic's region). */
  function wholePhone(query: string): string | undefined {
    if (!/^\+?[0-9 ()./-]+$/.test(query)) return undefined;
    const parsed = parsePhoneNumberFromString(query, defaultPhoneRegion as CountryCode);
    return parsed?.isPossible() ? parsed.number : undefined;
  }

  /** The ids of today's newest tokens (at most `limit`) whose patient's name contains the text. */
  async function namedIds(lowerCased: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    for (const row of await reception.dayNames(database.db, today(), NAME_SEARCH_CANDIDATES)) {
      if (row.patient_name.toLowerCase().includes(lowerCased)) ids.push(row.id);
      if (ids.length === limit) break;
    }
    return ids;
  }

  return {
    /**
     * Today's tokens matching the query, newest first: a number, a phone (whole or its last four
     * digits) or a name. A viewer outside a token's department sees its number, not its patient.
     */
    async search(query: string, viewer: Viewer = { seesEveryPatient: true }): Promise<Token[]> {
      const text = query.trim();
      const search: reception.TokenSearch = { day: today(), limit: TOKEN_SEARCH_LIMIT };
      const withCode = NUMBER_WITH_CODE.exec(text);
      const digits = text.replace(/\D/g, '');
      if (withCode) {
        search.number = `${withCode[1]!.toUpperCase()}-${withCode[2]!.padStart(3, '0')}`;
      } else if (/^\d+$/.test(text) && digits.length <= MAX_SEQ_DIGITS) {
        search.seq = Number(digits);
        if (digits.length === PHONE_LAST_DIGITS) search.phoneLast4 = digits;
      } else {
        const phone = wholePhone(text);
        if (phone) search.phoneE164 = phone;
      }
      if (LETTERS_ONLY.test(text)) search.numberPrefix = text.toUpperCase();
      // Anything that is not a phone may be (part of) a name, in any script.
      const nameContains = search.phoneE164 === undefined && !/^\d+$/.test(text) ? text.toLowerCase() : undefined;
      const inSql = [search.number, search.numberPrefix, search.seq, search.phoneE164, search.phoneLast4].some((part) => part !== undefined);
      const [found, named] = await Promise.all([inSql ? reception.searchDay(database.db, search) : [], nameContains ? namedIds(nameContains, search.limit) : []]);
      const foundIds = new Set(found.map((row) => row.id));
      const rest = await repo.tokensByIds(database.db, named.filter((id) => !foundIds.has(id)));
      return [...found, ...rest]
        .sort(newestFirst)
        .slice(0, search.limit)
        .map((row) => forViewer(toToken(row), viewer));
    },

    /** Today's tokens of this phone (E.164) still in a line: reception offers them before a second token. */
    async activeTokensOfPhone(phoneE164: string): Promise<Token[]> {
      const rows = await reception.activeTokensOfPhone(database.db, phoneE164, today());
      return Promise.all(rows.map((row) => queue.withPlace(database.db, row)));
    },

    /**
     * A new ticket for a token still in a line: a new status key (the old one, printed or sent, stops
     * working, since only its hash is kept), recorded in the token's history.
     */
    async reprint(actor: Actor, tokenId: string): Promise<ReprintedToken> {
      for (let attempt = 1; ; attempt++) {
        const statusKey = newSecret();
        const written = await database.transact(async (trx): Promise<{ refused: repo.TokenRow } | { token: repo.TokenRow } | undefined> => {
          const token = await repo.findToken(trx, tokenId);
          if (!token) throw new NotFoundError(`Token ${tokenId} does not exist.`);
          // Refused after the transaction: the department's name is read outside it.
          if (!inScope(actor, token.department_id)) return { refused: token };
          if (!isActive(token.status)) {
            throw new InvalidTransitionError(`Token ${token.number} is ${FINISHED_WORDS[token.status] ?? token.status}: there is no ticket to reprint. Issue a new token if the patient needs one.`);
          }
          const ok = await reception.replaceStatusKey(trx, token, sha256(statusKey), {
            id: newId(),
            token_id: token.id,
            version: token.version + 1,
            action: 'reprint',
            at: clock.now(),
            actor_id: actor.id,
            actor_label: actor.label,
            from_status: token.status,
            to_status: token.status,
            from_department_id: token.department_id,
            department_id: token.department_id,
            // A reprint is no counter's action (a counter's undo is about its own calls).
            counter_id: null,
            reason: 'ticket reprinted; the earlier status link no longer works',
            before_state: JSON.stringify(snapshot(token)),
          });
          if (!ok) return undefined;
          await audit.record(trx, {
            type: 'queue.transition',
            action: 'reprint',
            actor: auditActorOf(actor),
            subject: { kind: 'token', id: token.id, label: token.number },
            ...(actor.request && { ip: actor.request.ip, requestId: actor.request.requestId }),
            details: { from: token.status, to: token.status, departmentId: token.department_id, statusLinkReplaced: true },
          });
          await deps.statusLinkReplaced?.(trx, token.id, `${publicUrl}/s/${statusKey}`);
          return { token: { ...token, version: token.version + 1, status_key_hash: sha256(statusKey) } };
        });
        if (written && 'refused' in written) {
          const name = (await queue.departmentName(written.refused.department_id)) ?? `department ${written.refused.department_id}`;
          throw notYourDepartment(name, `reprint token ${written.refused.number}`);
        }
        if (written) return { ...(await queue.withPlace(database.db, written.token)), statusKey, statusUrl: `${publicUrl}/s/${statusKey}` };
        if (attempt >= MAX_RACE_RETRIES) throw new AppError('CONFLICT', 409, 'The token was changed by someone else at the same moment; try again.');
      }
    },
  };
}

export type ReceptionService = ReturnType<typeof createReceptionService>;
