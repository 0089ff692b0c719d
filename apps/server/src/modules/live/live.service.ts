import type { PublicStatus } from '@smart-token/contracts';
import { LIVE_TICKET_TTL_SECONDS } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { ValidationError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newSecret, sha256 } from '../../lib/ids.js';
import type { AuthService, Principal } from '../auth/auth.service.js';
import type { QueueService } from '../queue/queue.service.js';
import type { PendingEvent } from './live-events.js';
import type { WaitingSnapshot } from './live.hub.js';
import * as repo from './live.repository.js';

/** Events are kept this long for reconnecting screens; older gaps get a resync. */
export const EVENT_RETENTION_MS = 24 * 60 * 60_000;
/** A reconnecting client further behind than this reloads instead of replaying. */
export const MAX_REPLAY = 1000;

export interface TokenRef {
  tokenId: string;
  departmentId: string;
  status: PublicStatus;
}

export function createLiveService(deps: {
  database: Database;
  clock: Clock;
  queue: QueueService;
  auth: Pick<AuthService, 'principalOfSession'>;
  /** Number + last four digits, with the status lookup's lockout; throws as that lookup does. */
  lookupToken: (number: string, phoneLast4: string) => Promise<{ id: string }>;
}) {
  const { database, clock, queue } = deps;
  const { db } = database;

  /** Through the auth module: its session cache, and its rules for when a session is over. */
  const principalOfSession = (sessionId: string): Promise<Principal | undefined> => deps.auth.principalOfSession(sessionId);

  async function refOf(tokenId: string): Promise<TokenRef | undefined> {
    const found = await queue.statusOfToken(tokenId);
    return found && { tokenId, departmentId: found.departmentId, status: found.status };
  }

  return {
    /** A one-time ticket for opening the socket without putting an access token in the URL. */
    async issueTicket(principal: Principal): Promise<{ ticket: string; expiresIn: number }> {
      if (principal.device) {
        throw new ValidationError('A device opens /api/v1/live with its own credentials (the ApiKey header, or its paired screen’s cookie); it needs no ticket.');
      }
      const ticket = newSecret();
      await database.transact((trx) =>
        repo.insertTicket(trx, { ticket_hash: sha256(ticket), session_id: principal.sessionId, expires_at: clock.now() + LIVE_TICKET_TTL_SECONDS * 1000 }),
      );
      return { ticket, expiresIn: LIVE_TICKET_TTL_SECONDS };
    },

    /** Spends a ticket; the staff member behind it, or undefined for an unknown, spent or expired one. */
    async redeemTicket(ticket: string): Promise<Principal | undefined> {
      const sessionId = await database.transact((trx) => repo.spendTicket(trx, sha256(ticket), clock.now()));
      return sessionId ? principalOfSession(sessionId) : undefined;
    },

    principalOfSession,

    currentSeq: (departmentId: string) => repo.currentEventSeq(db, departmentId),

    async departmentExists(departmentId: string): Promise<boolean> {
      return (await queue.departmentName(departmentId)) !== undefined;
    },

    async eventsSince(departmentId: string, since: number, upTo: number): Promise<PendingEvent[] | undefined> {
      if (upTo - since > MAX_REPLAY) return undefined;
      const events = (await repo.eventsSince(db, departmentId, since, MAX_REPLAY)).filter((e) => e.seq <= upTo);
      // A hole at the start means those events were purged: the client must reload instead.
      if (upTo > since && events[0]?.seq !== since + 1) return undefined;
      return events;
    },

    async tokenByStatusKey(statusKey: string): Promise<TokenRef | undefined> {
      const token = await queue.findByStatusKey(statusKey);
      return token ? refOf(token.id) : undefined;
    },

    async tokenByNumber(number: string, phoneLast4: string): Promise<TokenRef | undefined> {
      const token = await deps.lookupToken(number, phoneLast4);
      return refOf(token.id);
    },

    statusOf: (tokenId: string) => queue.statusOfToken(tokenId),

    waitingSnapshot: (departmentId: string): Promise<WaitingSnapshot> => queue.waitingSnapshot(departmentId),

    async purge(): Promise<void> {
      const now = clock.now();
      await database.transact(async (trx) => {
        await repo.deleteEventsBefore(trx, now - EVENT_RETENTION_MS);
        await repo.deleteTicketsBefore(trx, now - LIVE_TICKET_TTL_SECONDS * 1000);
      });
    },
  };
}

export type LiveService = ReturnType<typeof createLiveService>;
