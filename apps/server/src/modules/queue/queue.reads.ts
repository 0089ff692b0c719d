import type { Board, Display, EstimatedWait, PrivacyProfile, PublicStatus, Queue, Token, TokenStatus, TokenWithHistory } from '@smart-token/contracts';
import { QUEUE_LIST_DEFAULT, QUEUE_LIST_MAX } from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { NotFoundError } from '../../errors.js';
import { iso, localDay, type Clock } from '../../lib/clock.js';
import { sha256 } from '../../lib/ids.js';
import { initialsOf } from '../../lib/names.js';
import { LANES_HIGH_TO_LOW, compareCallOrder, orderReason, type OrderRules } from './call-order.js';
import type { DepartmentLookup } from './department-lookup.js';
import { inScope, notYourDepartment, type Scope } from './department-scope.js';
import type { LineEntry } from './line.js';
import type { LineModel } from './line-model.js';
import * as repo from './queue.repository.js';
import { actorKindOf, toToken } from './tokens.js';
import { ACTIVE_COUNTER_WINDOW_MS, SAMPLE_SIZE, estimateWait, serviceStats, type ServiceStats } from './wait-estimate.js';

const DISPLAY_NEXT = 5;
const DISPLAY_RECENT = 10;
/** A board shows the latest calls; tokens left `called` all day must not slow it down. */
const DISPLAY_SERVING = 30;
/** Wait statistics are cached briefly: an estimate need not move with every single completion. */
const STATS_TTL_MS = 5_000;

type Department = NonNullable<Awaited<ReturnType<DepartmentLookup['department']>>>;
type Ordered = Pick<repo.TokenRow, 'id' | 'lane' | 'queued_at'>;

/** A row's call-order keys, as the line and the call-order rules name them. */
const orderKeys = (t: Ordered): LineEntry => ({ id: t.id, lane: t.lane, queuedAt: t.queued_at });

/** Rows sorted in exactly the order call-next takes them. */
const inCallOrder = <T extends Ordered>(rows: T[], rules: OrderRules): T[] => rows.sort((a, b) => compareCallOrder(orderKeys(a), orderKeys(b), rules));

/** A token found by its number, for the public lookup: what the lookup may compare, and its status. */
export interface TodaysToken {
  id: string;
  phoneLast4: string;
  status(): Promise<PublicStatus>;
}

/**
 * Everything that reads the queue. The waiting line comes from the in-memory line model when it is
 * current (no query), otherwise from the database's lane indexes; both give call-next's exact order.
 */
export function createQueueReads(deps: { database: Database; clock: Clock; timeZone: string; lookup: DepartmentLookup; line: LineModel }) {
  const { database, clock, timeZone, lookup, line } = deps;
  const { db } = database;
  const statsCache = new Map<string, { at: number; stats: ServiceStats; counters: number }>();

  /** Inside a transaction lookups read through it (SQLite's one connection is the transaction's). */
  const within = (trx: Kysely<DB>): Kysely<DB> | undefined => (trx === db ? undefined : trx);

  async function requireDepartment(id: string, trx: Kysely<DB> = db): Promise<Department> {
    const row = await lookup.department(id, within(trx));
    if (!row) throw new NotFoundError(`Department ${id} does not exist.`);
    return row;
  }

  const rulesFor = (dept: Department, now: number): OrderRules => ({ now, maxWaitMinutes: dept.max_wait_minutes });

  async function stats(trx: Kysely<DB>, departmentId: string, now: number): Promise<{ stats: ServiceStats; counters: number }> {
    const cached = statsCache.get(departmentId);
    if (cached && now - cached.at < STATS_TTL_MS) return cached;
    const [durations, active, configured] = await Promise.all([
      repo.recentServiceDurations(trx, departmentId, SAMPLE_SIZE),
      repo.activeCounterCount(trx, departmentId, now - ACTIVE_COUNTER_WINDOW_MS),
      lookup.counters(departmentId, within(trx)),
    ]);
    const fresh = { at: now, stats: serviceStats(durations), counters: active > 0 ? active : Math.max(1, configured.length) };
    statsCache.set(departmentId, fresh);
    return fresh;
  }

  async function estimateFor(trx: Kysely<DB>, departmentId: string, peopleAhead: number, now: number): Promise<EstimatedWait> {
    const s = await stats(trx, departmentId, now);
    return estimateWait(peopleAhead, s.counters, s.stats);
  }

  async function placeInLine(trx: Kysely<DB>, token: repo.TokenRow, dept: Department, now: number) {
    const rules = rulesFor(dept, now);
    const peopleAhead =
      line.current(dept.id)?.peopleAhead(token.id, rules) ??
      (await repo.countAhead(trx, dept.id, orderKeys(token), rules));
    return { position: peopleAhead + 1, peopleAhead, estimatedWait: await estimateFor(trx, dept.id, peopleAhead, now) };
  }

  /**
   * The first `limit` waiting tokens in exactly the order call-next takes them: the head of each
   * lane (an index range each), merged by the call-order rules. `all` says whether that is everyone.
   */
  async function lineInOrder<T extends Ordered>(headOf: (lane: number) => Promise<T[]>, rules: OrderRules, limit: number): Promise<{ ordered: T[]; all: boolean }> {
    const heads = (await Promise.all(LANES_HIGH_TO_LOW.map(headOf))).flat();
    return { ordered: inCallOrder(heads, rules).slice(0, limit), all: heads.length < limit };
  }

  /**
   * The first `limit` of the line as tokens, in call order: the order from memory when it is current
   * (then the tokens by id, one query), else from the database's lane indexes.
   */
  async function firstInLine(dept: Department, rules: OrderRules, limit: number): Promise<{ entries: (LineEntry & { token: Token })[]; total: number }> {
    const current = line.current(dept.id);
    if (current) {
      const head = current.head(limit, rules);
      const rows = new Map((await repo.tokensByIds(db, head.map((e) => e.id))).map((row) => [row.id, row]));
      // A token that left the line since the order was read is left out of this answer.
      const entries = head.flatMap((e) => {
        const row = rows.get(e.id);
        return row?.status === 'waiting' ? [{ ...e, token: toToken(row) }] : [];
      });
      return { entries, total: current.size };
    }
    const [{ ordered }, total] = await Promise.all([lineInOrder((lane) => repo.laneHead(db, dept.id, lane, limit), rules, limit), repo.countAllWaiting(db, dept.id)]);
    return { entries: ordered.map((t) => ({ ...orderKeys(t), token: toToken(t) })), total };
  }

  async function publicStatusOf(trx: Kysely<DB>, token: repo.TokenRow): Promise<PublicStatus> {
    const dept = await requireDepartment(token.department_id, trx);
    const base = {
      number: token.number,
      status: token.status,
      departmentName: dept.name,
      departmentNames: { ...(dept.name_hi !== null && { hi: dept.name_hi }), ...(dept.name_ar !== null && { ar: dept.name_ar }) },
      updatedAt: iso(token.updated_at),
    };
    if (token.status === 'waiting') {
      const place = await placeInLine(trx, token, dept, clock.now());
      return { ...base, position: place.position, peopleAhead: place.peopleAhead, estimatedWait: place.estimatedWait };
    }
    const counter = token.counter_id && (token.status === 'called' || token.status === 'serving') ? await lookup.counter(token.counter_id, within(trx)) : undefined;
    return { ...base, position: null, peopleAhead: null, estimatedWait: null, ...(counter && { counterName: counter.name }) };
  }

  async function withPlace(trx: Kysely<DB>, token: repo.TokenRow): Promise<Token> {
    if (token.status !== 'waiting') return toToken(token);
    const dept = await requireDepartment(token.department_id, trx);
    const { position, estimatedWait } = await placeInLine(trx, token, dept, clock.now());
    return toToken(token, { position, estimatedWait });
  }

  /** What a waiting-room board shows: numbers and counters, initials only for boards set to show them. */
  async function board(departmentId: string, privacy: PrivacyProfile = 'token'): Promise<Board & { waitingCount: number; typicalWait: EstimatedWait }> {
    const dept = await requireDepartment(departmentId);
    const now = clock.now();
    const [next, called, serving, recent, counters, s] = await Promise.all([
      firstInLine(dept, rulesFor(dept, now), DISPLAY_NEXT),
      repo.tokensInStatus(db, dept.id, 'called', DISPLAY_SERVING),
      repo.tokensInStatus(db, dept.id, 'serving', DISPLAY_SERVING),
      repo.recentCalls(db, dept.id, DISPLAY_RECENT),
      lookup.counters(dept.id),
      stats(db, dept.id, now),
    ]);
    const counterName = new Map(counters.map((c) => [c.id, c.name]));
    const withInitials = (name: string) => (privacy === 'initials' ? { initials: initialsOf(name) } : {});
    return {
      departmentName: dept.name,
      nowServing: [...called, ...serving]
        .filter((t) => t.called_at !== null)
        .sort((a, b) => b.called_at! - a.called_at!)
        .map((t) => ({ number: t.number, counterName: counterName.get(t.counter_id ?? '') ?? '', calledAt: iso(t.called_at!), ...withInitials(t.patient_name) })),
      next: next.entries.map((e) => ({ number: e.token.number, ...withInitials(e.token.patient.name) })),
      recent: recent.map((r) => ({ number: r.number, counterName: r.counterName ?? '', calledAt: iso(r.at) })),
      waitingCount: next.total,
      // What someone joining the line now would wait: everyone waiting is ahead of them.
      typicalWait: estimateWait(next.total, s.counters, s.stats),
    };
  }

  return {
    /** Call-next's choice, inside its transaction: the database (under the department lock) decides, not the model. */
    /** Which of the lanes' first tokens is called next, by the department's rules at `now`. */
    firstInCallOrder(heads: repo.TokenRow[], dept: Department, now: number): repo.TokenRow | undefined {
      // A lane's head that joins only later (a patient who replied LATE) means its whole lane does: not yet callable.
      return inCallOrder(heads.filter((head) => head.queued_at <= now), rulesFor(dept, now))[0];
    },

    withPlace,

    /**
     * The place of a token just issued (the newest of its lane), inside the issuing transaction. The
     * model answers when it holds exactly the events before this one (`seq` is the new token's event);
     * otherwise the lane counts in the database do.
     */
    async placeOfNewcomer(trx: Kysely<DB>, dept: Department, lane: number, seq: number, now: number): Promise<{ position: number; estimatedWait: EstimatedWait }> {
      const rules = rulesFor(dept, now);
      const current = line.current(dept.id);
      const peopleAhead =
        current && line.seqOf(dept.id) === seq - 1 ? current.aheadOfNewcomer(lane, rules) : await repo.countAheadOfNewest(trx, dept.id, lane, rules);
      return { position: peopleAhead + 1, estimatedWait: await estimateFor(trx, dept.id, peopleAhead, now) };
    },

    /** A token with its history, for the staff of the department it is in (`scope`: who asks; every department by default). */
    async getToken(tokenId: string, scope: Scope = {}): Promise<TokenWithHistory> {
      const token = await repo.findToken(db, tokenId);
      if (!token) throw new NotFoundError(`Token ${tokenId} does not exist.`);
      if (!inScope(scope, token.department_id)) {
        const dept = await lookup.department(token.department_id);
        throw notYourDepartment(dept?.name ?? `department ${token.department_id}`, `read token ${token.number}`);
      }
      const history = await repo.listTransitions(db, tokenId);
      return {
        ...(await withPlace(db, token)),
        history: history.map((h) => ({
          action: h.action,
          at: iso(h.at),
          by: h.actor_label,
          byKind: actorKindOf(h),
          fromStatus: h.from_status,
          toStatus: h.to_status,
          departmentId: h.department_id,
          ...(h.counter_id !== null && { counterId: h.counter_id }),
          ...(h.reason !== null && { reason: h.reason }),
        })),
      };
    },

    /** The waiting list in exactly the order call-next takes it, with the reason for each place. */
    async getQueue(departmentId: string, limit = QUEUE_LIST_DEFAULT, scope: Scope = {}): Promise<Queue> {
      const dept = await requireDepartment(departmentId);
      if (!inScope(scope, dept.id)) throw notYourDepartment(dept.name, 'read its queue');
      const now = clock.now();
      const rules = rulesFor(dept, now);
      const [first, s, called, serving, parked] = await Promise.all([
        firstInLine(dept, rules, limit),
        stats(db, dept.id, now),
        repo.tokensInStatus(db, dept.id, 'called', limit),
        repo.tokensInStatus(db, dept.id, 'serving', limit),
        repo.tokensInStatus(db, dept.id, 'parked', limit),
      ]);
      return {
        waiting: first.entries.map((e, index) => ({
          ...e.token,
          position: index + 1,
          estimatedWait: estimateWait(index, s.counters, s.stats),
          reason: orderReason(e, rules),
        })),
        waitingCount: first.total,
        called: called.map((t) => toToken(t)),
        serving: serving.map((t) => toToken(t)),
        parked: parked.map((t) => toToken(t)),
      };
    },

    async statusByKey(statusKey: string): Promise<PublicStatus | undefined> {
      const token = await repo.findTokenByStatusKeyHash(db, sha256(statusKey));
      return token ? publicStatusOf(db, token) : undefined;
    },

    /** The token behind a status key, as a patient may know it: its id, status and department only. */
    async findByStatusKey(statusKey: string): Promise<{ id: string; status: TokenStatus; departmentId: string } | undefined> {
      const token = await repo.findTokenByStatusKeyHash(db, sha256(statusKey));
      return token && { id: token.id, status: token.status, departmentId: token.department_id };
    },

    departmentName: async (departmentId: string) => (await lookup.department(departmentId))?.name,

    /**
     * Today's token with this number, for the public lookup: the caller checks the phone digits and
     * then asks for its status (from the row already read, without a second query).
     */
    async findTodaysToken(number: string): Promise<TodaysToken | undefined> {
      const token = await repo.findTokenByNumber(db, number, localDay(clock.now(), timeZone));
      return token && { id: token.id, phoneLast4: token.phone_last4, status: () => publicStatusOf(db, token) };
    },

    /** A token's public status and where it waits now, for a patient's live subscription. */
    async statusOfToken(tokenId: string): Promise<{ status: PublicStatus; departmentId: string } | undefined> {
      const token = await repo.findToken(db, tokenId);
      return token ? { status: await publicStatusOf(db, token), departmentId: token.department_id } : undefined;
    },

    /** Each waiting token's people-ahead for many patients at once: the whole line from memory, or its first part. */
    async waitingSnapshot(departmentId: string, limit = QUEUE_LIST_MAX) {
      const dept = await requireDepartment(departmentId);
      const now = clock.now();
      const rules = rulesFor(dept, now);
      const s = await stats(db, dept.id, now);
      const estimate = (peopleAhead: number) => estimateWait(peopleAhead, s.counters, s.stats);
      const current = line.current(dept.id);
      if (current) {
        return { departmentName: dept.name, ahead: { get: (tokenId: string) => current.peopleAhead(tokenId, rules) }, complete: true, estimate };
      }
      const { ordered, all } = await lineInOrder((lane) => repo.laneOrder(db, dept.id, lane, limit), rules, limit);
      return { departmentName: dept.name, ahead: new Map(ordered.map((t, index) => [t.id, index])), complete: all, estimate };
    },

    /**
     * The first `limit` waiting tokens' ids in call order, and the wait each place means: what "your
     * turn is near" looks at (from memory when the line is current, else the lane indexes).
     */
    async waitingHead(departmentId: string, limit: number) {
      const dept = await requireDepartment(departmentId);
      const now = clock.now();
      const rules = rulesFor(dept, now);
      const s = await stats(db, dept.id, now);
      const current = line.current(dept.id);
      const ids = current ? current.head(limit, rules).map((e) => e.id) : (await lineInOrder((lane) => repo.laneOrder(db, dept.id, lane, limit), rules, limit)).ordered.map((t) => t.id);
      return { departmentName: dept.name, ids, estimate: (peopleAhead: number) => estimateWait(peopleAhead, s.counters, s.stats) };
    },

    board,

    /** The public board feed (API.md): numbers and counters only. */
    async display(departmentId: string): Promise<Display> {
      const view = await board(departmentId);
      return { nowServing: view.nowServing, next: view.next.map((n) => n.number), recent: view.recent };
    },
  };
}

export type QueueReads = ReturnType<typeof createQueueReads>;
