import {
  QUEUE_LIST_DEFAULT,
  QUEUE_LIST_MAX,
  type Board,
  type Display,
  type PrivacyProfile,
  type EstimatedWait,
  type IssueTokenBody,
  type LiveEventType,
  type PublicStatus,
  type Queue,
  type Token,
  type TokenAction,
  type TokenStatus,
  type TokenWithHistory,
} from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { AppError, InvalidTransitionError, NotFoundError, ValidationError } from '../../errors.js';
import { iso, isoOrUndefined, localDay, type Clock } from '../../lib/clock.js';
import { newId, newSecret, sha256 } from '../../lib/ids.js';
import { initialsOf } from '../../lib/names.js';
import { lastFour, toE164 } from '../../lib/phone.js';
import * as departments from '../departments/departments.repository.js';
import * as liveRepo from '../live/live.repository.js';
import { eventTypeOf, type PendingEvent } from '../live/live-events.js';
import { once, type IdempotencyRequest } from '../idempotency/idempotency.js';
import { LANE, LANES_HIGH_TO_LOW, compareCallOrder, laneFor, orderReason, type OrderRules } from './call-order.js';
import * as repo from './queue.repository.js';
import { TRANSITIONS, canTransition, transitionRefusal, type MachineAction } from './state-machine.js';
import { ACTIVE_COUNTER_WINDOW_MS, SAMPLE_SIZE, estimateWait, serviceStats, type ServiceStats } from './wait-estimate.js';

/** Who did it, as the history shows it. */
export interface Actor {
  id: string | null;
  label: string;
}

export const SYSTEM_ACTOR: Actor = { id: null, label: 'system' };

export interface QueueServiceDeps {
  database: Database;
  clock: Clock;
  timeZone: string;
  publicUrl: string;
  defaultPhoneRegion: string;
  /** Receives a change's events once it has committed (the live hub); nothing by default. */
  publish?: (events: PendingEvent[]) => void;
}

const NUMBER_DIGITS = 3;
const DISPLAY_NEXT = 5;
const DISPLAY_RECENT = 10;
/** A board shows the latest calls; tokens left `called` all day must not slow it down. */
const DISPLAY_SERVING = 30;
/** Wait statistics are cached briefly: an estimate need not move with every single completion. */
const STATS_TTL_MS = 5_000;
const MAX_RACE_RETRIES = 8;

/** Another request changed the token between our read and our write; the whole work is retried. */
class LostRace extends Error {}

/** The token's fields that a transition may change; kept with each transition so undo can restore them. */
type TokenState = Pick<
  repo.TokenRow,
  'status' | 'department_id' | 'counter_id' | 'lane' | 'queued_at' | 'park_remaining' | 'recall_count' | 'called_at' | 'started_at' | 'completed_at'
>;

const snapshot = (t: repo.TokenRow): TokenState => ({
  status: t.status,
  department_id: t.department_id,
  counter_id: t.counter_id,
  lane: t.lane,
  queued_at: t.queued_at,
  park_remaining: t.park_remaining,
  recall_count: t.recall_count,
  called_at: t.called_at,
  started_at: t.started_at,
  completed_at: t.completed_at,
});

export const formatNumber = (code: string, seq: number): string => `${code}-${String(seq).padStart(NUMBER_DIGITS, '0')}`;

export function toToken(row: repo.TokenRow, extra: { position?: number; estimatedWait?: EstimatedWait } = {}): Token {
  return {
    id: row.id,
    number: row.number,
    status: row.status as TokenStatus,
    departmentId: row.department_id,
    priority: row.priority as Token['priority'],
    ...(extra.position !== undefined && { position: extra.position }),
    ...(extra.estimatedWait !== undefined && { estimatedWait: extra.estimatedWait }),
    ...(row.counter_id !== null && { counterId: row.counter_id }),
    recallCount: row.recall_count,
    patient: { name: row.patient_name, phoneLast4: row.phone_last4 },
    issuedAt: iso(row.issued_at),
    calledAt: isoOrUndefined(row.called_at),
    startedAt: isoOrUndefined(row.started_at),
    completedAt: isoOrUndefined(row.completed_at),
  };
}

export function createQueueService(deps: QueueServiceDeps) {
  const { database, clock, timeZone, publicUrl, defaultPhoneRegion } = deps;
  const publish = deps.publish ?? (() => undefined);
  const { db } = database;
  const statsCache = new Map<string, { at: number; stats: ServiceStats; counters: number }>();

  /** Runs work in a transaction, again from the start if it lost a race for a token. */
  async function transactRetrying<T>(work: (trx: Kysely<DB>, events: PendingEvent[]) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const events: PendingEvent[] = [];
      try {
        const result = await database.transact((trx) => work(trx, events));
        // Only now, after the commit: a rolled-back change never reaches a screen.
        if (events.length > 0) publish(events);
        return result;
      } catch (error) {
        if (!(error instanceof LostRace)) throw error;
        if (attempt >= MAX_RACE_RETRIES) throw new AppError('CONFLICT', 409, 'The token was changed by someone else at the same moment; try again.');
      }
    }
  }

  async function requireDepartment(trx: Kysely<DB>, id: string, field?: string): Promise<departments.DepartmentRow> {
    const row = await departments.findDepartment(trx, id);
    if (row) return row;
    if (field) throw new ValidationError(`Department ${id} does not exist.`, [{ path: field, message: 'no such department' }]);
    throw new NotFoundError(`Department ${id} does not exist.`);
  }

  async function requireCounter(trx: Kysely<DB>, id: string, field?: string): Promise<departments.CounterRow> {
    const row = await departments.findCounter(trx, id);
    if (row) return row;
    if (field) throw new ValidationError(`Counter ${id} does not exist.`, [{ path: field, message: 'no such counter' }]);
    throw new NotFoundError(`Counter ${id} does not exist.`);
  }

  async function requireToken(trx: Kysely<DB>, id: string): Promise<repo.TokenRow> {
    const row = await repo.findToken(trx, id);
    if (!row) throw new NotFoundError(`Token ${id} does not exist.`);
    return row;
  }

  function assertAllowed(token: repo.TokenRow, action: MachineAction): void {
    if (!canTransition(action, token.status as TokenStatus)) {
      throw new InvalidTransitionError(transitionRefusal(token.number, token.status as TokenStatus, action));
    }
  }

  /** Writes the change and its history row together; the version check makes concurrent writers retry. */
  async function transition(
    trx: Kysely<DB>,
    events: PendingEvent[],
    token: repo.TokenRow,
    action: Exclude<TokenAction, 'issue'>,
    changes: Partial<TokenState>,
    actor: Actor,
    reason?: string,
    transitionId = newId(),
  ): Promise<repo.TokenRow> {
    const now = clock.now();
    if (!(await repo.updateTokenAtVersion(trx, token.id, token.version, { ...changes, updated_at: now }))) throw new LostRace();
    const next: repo.TokenRow = { ...token, ...changes, version: token.version + 1, updated_at: now };
    await keepLaneCounts(trx, token, next);
    await repo.insertTransition(trx, {
      id: transitionId,
      token_id: token.id,
      version: next.version,
      action,
      at: now,
      actor_id: actor.id,
      actor_label: actor.label,
      from_status: token.status,
      to_status: next.status,
      from_department_id: token.department_id,
      department_id: next.department_id,
      counter_id: next.counter_id,
      reason: reason ?? null,
      before_state: JSON.stringify(snapshot(token)),
    });
    const type = eventTypeOf(action, next);
    for (const departmentId of new Set([next.department_id, token.department_id])) await emit(trx, events, departmentId, type, next);
    return next;
  }

  /** Appends the event to the department's numbered outbox, in the transaction of the change. */
  async function emit(trx: Kysely<DB>, events: PendingEvent[], departmentId: string, type: LiveEventType, token: repo.TokenRow): Promise<void> {
    const counterName = token.counter_id ? await counterNameOf(trx, token.counter_id) : undefined;
    const event: PendingEvent = {
      departmentId,
      seq: await liveRepo.nextEventSeq(trx, departmentId),
      type,
      at: clock.now(),
      token: toToken(token),
      ...(counterName !== undefined && { counterName }),
    };
    await liveRepo.insertEvent(trx, event);
    events.push(event);
  }

  /** Counters are created, never renamed or removed: their names are read once. */
  const counterNames = new Map<string, string>();
  async function counterNameOf(trx: Kysely<DB>, counterId: string): Promise<string | undefined> {
    let name = counterNames.get(counterId);
    if (name === undefined) {
      name = (await departments.findCounter(trx, counterId))?.name;
      if (name !== undefined) counterNames.set(counterId, name);
    }
    return name;
  }

  /** The lane counts follow every token into and out of the waiting line, in the same transaction. */
  async function keepLaneCounts(trx: Kysely<DB>, before: repo.TokenRow, after: repo.TokenRow): Promise<void> {
    const wasWaiting = before.status === 'waiting';
    const isWaiting = after.status === 'waiting';
    if (wasWaiting && isWaiting && before.department_id === after.department_id && before.lane === after.lane) return;
    if (wasWaiting) await repo.adjustLaneCount(trx, before.department_id, before.lane, -1);
    if (isWaiting) await repo.adjustLaneCount(trx, after.department_id, after.lane, +1);
  }

  async function stats(trx: Kysely<DB>, departmentId: string, now: number): Promise<{ stats: ServiceStats; counters: number }> {
    const cached = statsCache.get(departmentId);
    if (cached && now - cached.at < STATS_TTL_MS) return cached;
    const [durations, active, configured] = await Promise.all([
      repo.recentServiceDurations(trx, departmentId, SAMPLE_SIZE),
      repo.activeCounterCount(trx, departmentId, now - ACTIVE_COUNTER_WINDOW_MS),
      departments.countCounters(trx, departmentId),
    ]);
    const fresh = { at: now, stats: serviceStats(durations), counters: active > 0 ? active : Math.max(1, configured) };
    statsCache.set(departmentId, fresh);
    return fresh;
  }

  async function estimateFor(trx: Kysely<DB>, departmentId: string, peopleAhead: number, now: number): Promise<EstimatedWait> {
    const s = await stats(trx, departmentId, now);
    return estimateWait(peopleAhead, s.counters, s.stats);
  }

  const rulesFor = (dept: departments.DepartmentRow, now: number): OrderRules => ({ now, maxWaitMinutes: dept.max_wait_minutes });

  async function placeInLine(trx: Kysely<DB>, token: repo.TokenRow, dept: departments.DepartmentRow, now: number) {
    const peopleAhead = await repo.countAhead(trx, dept.id, { id: token.id, lane: token.lane, queuedAt: token.queued_at }, rulesFor(dept, now));
    return { position: peopleAhead + 1, peopleAhead, estimatedWait: await estimateFor(trx, dept.id, peopleAhead, now) };
  }

  async function withPlace(trx: Kysely<DB>, token: repo.TokenRow): Promise<Token> {
    if (token.status !== 'waiting') return toToken(token);
    const dept = await requireDepartment(trx, token.department_id);
    const { position, estimatedWait } = await placeInLine(trx, token, dept, clock.now());
    return toToken(token, { position, estimatedWait });
  }

  /** Calls a token to a counter; each call in a department brings parked tokens one place nearer. */
  async function callTo(trx: Kysely<DB>, events: PendingEvent[], token: repo.TokenRow, counter: departments.CounterRow, actor: Actor): Promise<repo.TokenRow> {
    const now = clock.now();
    const called = await transition(trx, events, token, 'call', { status: 'called', counter_id: counter.id, called_at: now, started_at: null, recall_count: 0, park_remaining: null }, actor);
    for (const parked of await repo.countDownParked(trx, token.department_id)) {
      await transition(
        trx,
        events,
        parked,
        'return',
        { status: 'waiting', lane: Math.max(LANE.returned, laneFor(parked.priority as Token['priority'])), queued_at: now, park_remaining: null, counter_id: null },
        SYSTEM_ACTOR,
        'returned after park',
      );
    }
    return called;
  }

  type Ordered = Pick<repo.TokenRow, 'id' | 'lane' | 'queued_at'>;

  /**
   * The first `limit` waiting tokens in exactly the order call-next takes them: the head of each
   * lane (an index range each), merged by the call-order rules. `all` says whether that is everyone.
   */
  async function lineInOrder<T extends Ordered>(
    headOf: (lane: number) => Promise<T[]>,
    dept: departments.DepartmentRow,
    now: number,
    limit: number,
  ): Promise<{ ordered: T[]; all: boolean }> {
    const rules = rulesFor(dept, now);
    const entry = (t: Ordered) => ({ id: t.id, lane: t.lane, queuedAt: t.queued_at });
    const heads = (await Promise.all(LANES_HIGH_TO_LOW.map(headOf))).flat();
    return { ordered: heads.sort((a, b) => compareCallOrder(entry(a), entry(b), rules)).slice(0, limit), all: heads.length < limit };
  }

  /** The head of the line: the first token of each lane, compared by the call-order rules. */
  async function headOfLine(trx: Kysely<DB>, dept: departments.DepartmentRow, now: number): Promise<repo.TokenRow | undefined> {
    return (await lineInOrder((lane) => repo.laneHead(trx, dept.id, lane, 1), dept, now, 1)).ordered[0];
  }

  async function act(tokenId: string, actor: Actor, decide: (trx: Kysely<DB>, events: PendingEvent[], token: repo.TokenRow) => Promise<repo.TokenRow>): Promise<Token> {
    return transactRetrying(async (trx, events) => withPlace(trx, await decide(trx, events, await requireToken(trx, tokenId))));
  }

  async function moveToDepartment(trx: Kysely<DB>, token: repo.TokenRow, departmentId: string, field: string) {
    const target = await requireDepartment(trx, departmentId, field);
    return {
      target,
      changes: {
        status: 'waiting',
        department_id: target.id,
        lane: laneFor(token.priority as Token['priority']),
        queued_at: clock.now(),
        counter_id: null,
        recall_count: 0,
        called_at: null,
        started_at: null,
        park_remaining: null,
      } satisfies Partial<TokenState>,
    };
  }

  async function publicStatusOf(trx: Kysely<DB>, token: repo.TokenRow): Promise<PublicStatus> {
    const dept = await requireDepartment(trx, token.department_id);
    const base = {
      number: token.number,
      status: token.status as TokenStatus,
      departmentName: dept.name,
      updatedAt: iso(token.updated_at),
    };
    if (token.status === 'waiting') {
      const place = await placeInLine(trx, token, dept, clock.now());
      return { ...base, position: place.position, peopleAhead: place.peopleAhead, estimatedWait: place.estimatedWait };
    }
    const counter = token.counter_id && (token.status === 'called' || token.status === 'serving') ? await departments.findCounter(trx, token.counter_id) : undefined;
    return { ...base, position: null, peopleAhead: null, estimatedWait: null, ...(counter && { counterName: counter.name }) };
  }

  /** What a waiting-room board shows: numbers and counters, initials only for boards set to show them. */
  async function board(departmentId: string, privacy: PrivacyProfile = 'token'): Promise<Board> {
    const dept = await requireDepartment(db, departmentId);
    const [line, called, serving, recent, counters] = await Promise.all([
      lineInOrder((lane) => repo.laneHead(db, dept.id, lane, DISPLAY_NEXT), dept, clock.now(), DISPLAY_NEXT),
      repo.tokensInStatus(db, dept.id, 'called', DISPLAY_SERVING),
      repo.tokensInStatus(db, dept.id, 'serving', DISPLAY_SERVING),
      repo.recentCalls(db, dept.id, DISPLAY_RECENT),
      departments.listCounters(db, dept.id),
    ]);
    const counterName = new Map(counters.map((c) => [c.id, c.name]));
    const withInitials = (name: string) => (privacy === 'initials' ? { initials: initialsOf(name) } : {});
    return {
      departmentName: dept.name,
      nowServing: [...called, ...serving]
        .filter((t) => t.called_at !== null)
        .sort((a, b) => b.called_at! - a.called_at!)
        .map((t) => ({ number: t.number, counterName: counterName.get(t.counter_id ?? '') ?? '', calledAt: iso(t.called_at!), ...withInitials(t.patient_name) })),
      next: line.ordered.map((t) => ({ number: t.number, ...withInitials(t.patient_name) })),
      recent: recent.map((r) => ({ number: r.number, counterName: r.counterName ?? '', calledAt: iso(r.at) })),
    };
  }

  return {
    async issue(actor: Actor, input: IssueTokenBody, idempotency?: IdempotencyRequest): Promise<Token> {
      const phone = toE164(input.patient.phone, defaultPhoneRegion, 'patient.phone');
      return transactRetrying(async (trx, events) =>
        once(trx, idempotency, clock.now(), async () => {
          const dept = await requireDepartment(trx, input.departmentId, 'departmentId');
          const now = clock.now();
          const day = localDay(now, timeZone);
          const seq = await repo.nextSequence(trx, dept.id, day);
          const statusKey = newSecret();
          const priority = input.priority ?? 'normal';
          const row: repo.TokenRow = {
            id: newId(),
            number: formatNumber(dept.code, seq),
            issue_day: day,
            issued_department_id: dept.id,
            seq,
            status: 'waiting',
            department_id: dept.id,
            priority,
            lane: laneFor(priority),
            queued_at: now,
            park_remaining: null,
            counter_id: null,
            recall_count: 0,
            patient_name: input.patient.name,
            phone_e164: phone,
            phone_last4: lastFour(phone),
            language: input.patient.language ?? null,
            notify_channel: input.notify?.channel ?? null,
            status_key_hash: sha256(statusKey),
            issued_at: now,
            called_at: null,
            started_at: null,
            completed_at: null,
            updated_at: now,
            version: 1,
          };
          await repo.insertToken(trx, row);
          await repo.adjustLaneCount(trx, dept.id, row.lane, +1);
          await repo.insertTransition(trx, {
            id: newId(),
            token_id: row.id,
            version: 1,
            action: 'issue',
            at: now,
            actor_id: actor.id,
            actor_label: actor.label,
            from_status: null,
            to_status: 'waiting',
            from_department_id: null,
            department_id: dept.id,
            counter_id: null,
            reason: null,
            before_state: null,
          });
          await emit(trx, events, dept.id, 'token.issued', row);
          const peopleAhead = await repo.countAheadOfNewest(trx, dept.id, row.lane, rulesFor(dept, now));
          return {
            ...toToken(row, { position: peopleAhead + 1, estimatedWait: await estimateFor(trx, dept.id, peopleAhead, now) }),
            statusKey,
            statusUrl: `${publicUrl}/s/${statusKey}`,
          };
        }),
      );
    },

    async callNext(actor: Actor, counterId: string, idempotency?: IdempotencyRequest): Promise<{ token: Token | null }> {
      return transactRetrying(async (trx, events) =>
        once(trx, idempotency, clock.now(), async () => {
          const counter = await requireCounter(trx, counterId);
          const dept = await requireDepartment(trx, counter.department_id);
          await repo.lockDepartment(trx, database.dialect, dept.id);
          const head = await headOfLine(trx, dept, clock.now());
          if (!head) return { token: null };
          return { token: toToken(await callTo(trx, events, head, counter, actor)) };
        }),
      );
    },

    callToken: (actor: Actor, tokenId: string, counterId: string) =>
      act(tokenId, actor, async (trx, events, token) => {
        const counter = await requireCounter(trx, counterId, 'counterId');
        assertAllowed(token, 'call');
        if (counter.department_id !== token.department_id) {
          throw new ValidationError(`Counter ${counter.name} does not serve the department token ${token.number} waits in.`, [
            { path: 'counterId', message: 'counter of another department' },
          ]);
        }
        return callTo(trx, events, token, counter, actor);
      }),

    recall: (actor: Actor, tokenId: string) =>
      act(tokenId, actor, async (trx, events, token) => {
        assertAllowed(token, 'recall');
        const dept = await requireDepartment(trx, token.department_id);
        if (token.recall_count >= dept.max_recalls) {
          return transition(trx, events, token, 'recall', { status: 'no_show' }, actor, `no answer after ${dept.max_recalls} recalls`);
        }
        return transition(trx, events, token, 'recall', { recall_count: token.recall_count + 1, called_at: clock.now() }, actor);
      }),

    start: (actor: Actor, tokenId: string) =>
      act(tokenId, actor, async (trx, events, token) => {
        assertAllowed(token, 'start');
        return transition(trx, events, token, 'start', { status: 'serving', started_at: clock.now() }, actor);
      }),

    complete: (actor: Actor, tokenId: string, nextDepartmentId?: string) =>
      act(tokenId, actor, async (trx, events, token) => {
        assertAllowed(token, 'complete');
        const now = clock.now();
        const serviceFrom = token.started_at ?? token.called_at ?? now;
        // The service record names its transition, so undoing the completion can remove it.
        const transitionId = newId();
        let done: repo.TokenRow;
        if (nextDepartmentId) {
          const { target, changes } = await moveToDepartment(trx, token, nextDepartmentId, 'nextDepartmentId');
          done = await transition(trx, events, token, 'complete', changes, actor, `sent on to ${target.name}`, transitionId);
        } else {
          done = await transition(trx, events, token, 'complete', { status: 'completed', completed_at: now }, actor, undefined, transitionId);
        }
        await repo.insertService(trx, { transition_id: transitionId, department_id: token.department_id, counter_id: token.counter_id, completed_at: now, duration_ms: now - serviceFrom });
        return done;
      }),

    transfer: (actor: Actor, tokenId: string, departmentId: string) =>
      act(tokenId, actor, async (trx, events, token) => {
        assertAllowed(token, 'transfer');
        if (departmentId === token.department_id && token.status === 'waiting') {
          throw new InvalidTransitionError(`Token ${token.number} is already waiting in that department.`);
        }
        const { target, changes } = await moveToDepartment(trx, token, departmentId, 'departmentId');
        return transition(trx, events, token, 'transfer', changes, actor, `transferred to ${target.name}`);
      }),

    park: (actor: Actor, tokenId: string) =>
      act(tokenId, actor, async (trx, events, token) => {
        assertAllowed(token, 'park');
        const dept = await requireDepartment(trx, token.department_id);
        return transition(trx, events, token, 'park', { status: 'parked', park_remaining: dept.park_return_after, counter_id: null }, actor);
      }),

    noShow: (actor: Actor, tokenId: string) =>
      act(tokenId, actor, async (trx, events, token) => {
        assertAllowed(token, 'no_show');
        return transition(trx, events, token, 'no_show', { status: 'no_show' }, actor);
      }),

    cancel: (actor: Actor, tokenId: string) =>
      act(tokenId, actor, async (trx, events, token) => {
        assertAllowed(token, 'cancel');
        return transition(trx, events, token, 'cancel', { status: 'cancelled' }, actor);
      }),

    undo: (actor: Actor, tokenId: string) =>
      act(tokenId, actor, async (trx, events, token) => {
        const last = await repo.lastTransition(trx, token.id);
        if (!last || last.action === 'issue' || !last.before_state) {
          throw new InvalidTransitionError(`Token ${token.number} has nothing to undo: it was only issued.`);
        }
        if (last.action === 'undo') {
          throw new InvalidTransitionError(`The last action on token ${token.number} was already undone.`);
        }
        const before = JSON.parse(last.before_state) as TokenState;
        if (last.action === 'complete') await repo.deleteService(trx, last.id);
        return transition(trx, events, token, 'undo', before, actor, `undid ${last.action}`);
      }),

    async getToken(tokenId: string): Promise<TokenWithHistory> {
      const token = await requireToken(db, tokenId);
      const history = await repo.listTransitions(db, tokenId);
      return {
        ...(await withPlace(db, token)),
        history: history.map((h) => ({
          action: h.action as TokenAction,
          at: iso(h.at),
          by: h.actor_label,
          fromStatus: h.from_status as TokenStatus | null,
          toStatus: h.to_status as TokenStatus,
          departmentId: h.department_id,
          ...(h.counter_id !== null && { counterId: h.counter_id }),
          ...(h.reason !== null && { reason: h.reason }),
        })),
      };
    },

    /** The waiting list in exactly the order call-next takes it: the head of each lane, merged by the rules. */
    async getQueue(departmentId: string, limit = QUEUE_LIST_DEFAULT): Promise<Queue> {
      const dept = await requireDepartment(db, departmentId);
      const now = clock.now();
      const rules = rulesFor(dept, now);
      const { ordered } = await lineInOrder((lane) => repo.laneHead(db, dept.id, lane, limit), dept, now, limit);
      const s = await stats(db, dept.id, now);
      const [waitingCount, called, serving, parked] = await Promise.all([
        repo.countAllWaiting(db, dept.id),
        repo.tokensInStatus(db, dept.id, 'called', limit),
        repo.tokensInStatus(db, dept.id, 'serving', limit),
        repo.tokensInStatus(db, dept.id, 'parked', limit),
      ]);
      return {
        waiting: ordered.map((t, index) => ({
          ...toToken(t, { position: index + 1, estimatedWait: estimateWait(index, s.counters, s.stats) }),
          reason: orderReason({ id: t.id, lane: t.lane, queuedAt: t.queued_at }, rules),
        })),
        waitingCount,
        called: called.map((t) => toToken(t)),
        serving: serving.map((t) => toToken(t)),
        parked: parked.map((t) => toToken(t)),
      };
    },

    async statusByKey(statusKey: string): Promise<PublicStatus | undefined> {
      const token = await repo.findTokenByStatusKeyHash(db, sha256(statusKey));
      return token ? publicStatusOf(db, token) : undefined;
    },

    findByStatusKey: (statusKey: string) => repo.findTokenByStatusKeyHash(db, sha256(statusKey)),

    departmentName: async (departmentId: string) => (await departments.findDepartment(db, departmentId))?.name,

    /** Today's token with this number, for the public lookup; the caller checks the phone digits. */
    findTodaysToken: (number: string) => repo.findTokenByNumber(db, number, localDay(clock.now(), timeZone)),

    publicStatus: (token: repo.TokenRow) => publicStatusOf(db, token),

    /** A token's public status and where it waits now, for a patient's live subscription. */
    async statusOfToken(tokenId: string): Promise<{ status: PublicStatus; departmentId: string } | undefined> {
      const token = await repo.findToken(db, tokenId);
      return token ? { status: await publicStatusOf(db, token), departmentId: token.department_id } : undefined;
    },

    /** The first part of a department's line with each token's people-ahead: one read for many patients. */
    async waitingSnapshot(departmentId: string, limit = QUEUE_LIST_MAX) {
      const dept = await requireDepartment(db, departmentId);
      const now = clock.now();
      const { ordered, all } = await lineInOrder((lane) => repo.laneOrder(db, dept.id, lane, limit), dept, now, limit);
      const s = await stats(db, dept.id, now);
      return {
        departmentName: dept.name,
        ahead: new Map(ordered.map((t, index) => [t.id, index])),
        complete: all,
        estimate: (peopleAhead: number) => estimateWait(peopleAhead, s.counters, s.stats),
      };
    },

    board,

    /** The public board feed (API.md): numbers and counters only. */
    async display(departmentId: string): Promise<Display> {
      const view = await board(departmentId);
      return {
        nowServing: view.nowServing,
        next: view.next.map((n) => n.number),
        recent: view.recent,
      };
    },
  };
}

export type QueueService = ReturnType<typeof createQueueService>;
export { TRANSITIONS };
