import type { IssueTokenBody, Token } from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import type { AuditTrail } from '../audit/audit.js';
import type { ChangeNotifier } from '../notifications/change-notifier.js';
import { AppError, ConflictError, InvalidTransitionError, NotFoundError, ValidationError } from '../../errors.js';
import { localDay, type Clock } from '../../lib/clock.js';
import { newId, newSecret, sha256 } from '../../lib/ids.js';
import { lastFour, toE164 } from '../../lib/phone.js';
import { once, type IdempotencyRequest } from '../idempotency/idempotency.js';
import type { PendingEvent } from '../live/live-events.js';
import * as liveRepo from '../live/live.repository.js';
import { LANE, laneFor } from './call-order.js';
import type { DepartmentLookup } from './department-lookup.js';
import { inScope, notYourDepartment } from './department-scope.js';
import type { QueueReads } from './queue.reads.js';
import * as repo from './queue.repository.js';
import * as writes from './token-writes.repository.js';
import type { TokenState } from './tokens.js';
import { SYSTEM_ACTOR, auditActorOf, toToken, type Actor } from './tokens.js';
// Commands check a step with assertStep before their other lookups, so an illegal step is the answer first.
import { LostRace, assertStep, createTokenWriter, type Events } from './token-writer.js';

const MAX_RACE_RETRIES = 8;

/** What the queue works with: its database, clock, the clinic's settings and the departments it serves. */
export interface QueueContext {
  database: Database;
  clock: Clock;
  timeZone: string;
  publicUrl: string;
  defaultPhoneRegion: string;
  lookup: DepartmentLookup;
  audit: AuditTrail;
  /** Writes patients' messages into the outbox with each change (modules/notifications); none by default. */
  notifier?: ChangeNotifier | undefined;
}

export interface QueueCommandDeps extends QueueContext {
  reads: QueueReads;
  /** Receives each committed change's events, once, after the commit (the line model, the live bus). */
  committed: (events: PendingEvent[]) => void;
}

type Department = NonNullable<Awaited<ReturnType<DepartmentLookup['department']>>>;
type Counter = NonNullable<Awaited<ReturnType<DepartmentLookup['counter']>>>;

/** Everything that changes a token: each command is one transaction, retried whole when it loses a race. */
export function createQueueCommands(deps: QueueCommandDeps) {
  const { database, clock, timeZone, publicUrl, defaultPhoneRegion, lookup, reads } = deps;
  const { transition, eventOf } = createTokenWriter({ clock, lookup, dialect: database.dialect, audit: deps.audit, notifier: deps.notifier });

  /**
   * Runs work in a transaction, again from the start if it lost a race for a token (or, on
   * PostgreSQL, a deadlock or serialization failure). Each attempt collects its own events, so a
   * rolled-back attempt's events are never published; only the committed attempt's are.
   */
  async function transact<T>(work: (trx: Kysely<DB>, events: Events) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { result, events } = await database.transact(async (trx) => {
          const events: Events = [];
          return { result: await work(trx, events), events };
        });
        if (events.length > 0) deps.committed(events);
        deps.notifier?.committed();
        return result;
      } catch (error) {
        if (!(error instanceof LostRace)) throw error;
        if (attempt >= MAX_RACE_RETRIES) throw new AppError('CONFLICT', 409, 'The token was changed by someone else at the same moment; try again.');
      }
    }
  }

  async function requireDepartment(id: string, field?: string, trx?: Kysely<DB>): Promise<Department> {
    const row = await lookup.department(id, trx);
    if (row) return row;
    if (field) throw new ValidationError(`Department ${id} does not exist.`, [{ path: field, message: 'no such department' }]);
    throw new NotFoundError(`Department ${id} does not exist.`);
  }

  async function requireCounter(id: string, field?: string, trx?: Kysely<DB>): Promise<Counter> {
    const row = await lookup.counter(id, trx);
    if (row) return row;
    if (field) throw new ValidationError(`Counter ${id} does not exist.`, [{ path: field, message: 'no such counter' }]);
    throw new NotFoundError(`Counter ${id} does not exist.`);
  }

  /** A department that takes new tokens: deactivated ones serve whoever already waits, and take nobody new. */
  async function requireOpenDepartment(id: string, field: string, trx?: Kysely<DB>): Promise<Department> {
    const dept = await requireDepartment(id, field, trx);
    if (!dept.active) throw new ConflictError(`${dept.name} is deactivated and takes no new tokens; choose another department.`);
    return dept;
  }

  /** A counter that may call patients. */
  async function requireWorkingCounter(id: string, field?: string, trx?: Kysely<DB>): Promise<Counter> {
    const counter = await requireCounter(id, field, trx);
    if (!counter.active) throw new ConflictError(`${counter.name} is deactivated and cannot call patients; an admin can reactivate it.`);
    return counter;
  }

  async function requireToken(trx: Kysely<DB>, id: string): Promise<repo.TokenRow> {
    const row = await repo.findToken(trx, id);
    if (!row) throw new NotFoundError(`Token ${id} does not exist.`);
    return row;
  }

  /**
   * The department rule, checked here for every command: a person acts only on tokens of their
   * departments (read in the transaction, so the token is theirs when they act) and calls only at
   * their departments' counters. Sending a token on to another department is theirs to do.
   */
  async function assertMayActIn(actor: Actor, departmentId: string, doing: string, trx?: Kysely<DB>): Promise<void> {
    if (inScope(actor, departmentId)) return;
    const dept = await lookup.department(departmentId, trx);
    throw notYourDepartment(dept?.name ?? `department ${departmentId}`, doing);
  }

  const assertMayActOn = (actor: Actor, token: repo.TokenRow, trx: Kysely<DB>) => assertMayActIn(actor, token.department_id, `act on token ${token.number}`, trx);

  /**
   * Calls a token to a counter; each call in a department brings parked tokens one place nearer.
   * `call` says what the caller already knows: the event seq it took and whether anything is parked.
   */
  async function callTo(
    trx: Kysely<DB>,
    events: Events,
    token: repo.TokenRow,
    counter: Counter,
    actor: Actor,
    call: { eventSeq?: number; anyParked?: boolean } = {},
  ): Promise<repo.TokenRow> {
    const now = clock.now();
    const called = await transition(
      trx,
      events,
      token,
      'call',
      { counter_id: counter.id, called_at: now, started_at: null, recall_count: 0, park_remaining: null },
      actor,
      { counterName: counter.name, ...(call.eventSeq !== undefined && { eventSeq: call.eventSeq }) },
    );
    if (call.anyParked ?? (await repo.anyParked(trx, token.department_id))) {
      for (const parked of await repo.countDownParked(trx, token.department_id)) {
        const lane = Math.max(LANE.returned, laneFor(parked.priority));
        await transition(trx, events, parked, 'return', { lane, queued_at: now, park_remaining: null, counter_id: null }, SYSTEM_ACTOR, { reason: 'returned after park' });
      }
    }
    return called;
  }

  /**
   * Takes the department's next event seq first: that statement is also the lock that makes two
   * counters' calls in one department take turns (PostgreSQL; SQLite has one writer anyway). Then the
   * candidates, then the call's write: three statements under the lock, and nothing if nobody waits.
   */
  async function callNextIn(trx: Kysely<DB>, events: Events, counter: Counter, dept: Department, actor: Actor): Promise<Token | null> {
    const eventSeq = await liveRepo.reserveEventSeq(trx, database.dialect, dept.id);
    // A department that never had an event has had no token either.
    if (eventSeq === undefined) return null;
    const { heads, anyParked } = await repo.callCandidates(trx, dept.id);
    const head = reads.firstInCallOrder(heads, dept, clock.now());
    if (!head) {
      await liveRepo.returnEventSeq(trx, dept.id);
      return null;
    }
    return toToken(await callTo(trx, events, head, counter, actor, { eventSeq, anyParked }));
  }

  function movedTo(token: repo.TokenRow, target: Department): Partial<Omit<TokenState, 'status'>> {
    return {
      department_id: target.id,
      lane: laneFor(token.priority),
      queued_at: clock.now(),
      counter_id: null,
      recall_count: 0,
      called_at: null,
      started_at: null,
      park_remaining: null,
    };
  }

  /** Completes the visit here, or sends the token on with the same number; keeps the service time for estimates. */
  async function completeIn(trx: Kysely<DB>, events: Events, token: repo.TokenRow, actor: Actor, onward?: Department): Promise<repo.TokenRow> {
    const now = clock.now();
    const serviceFrom = token.started_at ?? token.called_at ?? now;
    // The service record names its transition, so undoing the completion can remove it.
    const transitionId = newId();
    let done: repo.TokenRow;
    if (onward) {
      done = await transition(trx, events, token, 'sendOn', movedTo(token, onward), actor, { reason: `sent on to ${onward.name}`, transitionId });
    } else {
      done = await transition(trx, events, token, 'complete', { completed_at: now }, actor, { transitionId });
    }
    await repo.insertService(trx, { transition_id: transitionId, department_id: token.department_id, counter_id: token.counter_id, completed_at: now, duration_ms: now - serviceFrom });
    return done;
  }

  /** One transaction on one token of the actor's departments. */
  async function act(actor: Actor, tokenId: string, decide: (trx: Kysely<DB>, events: Events, token: repo.TokenRow) => Promise<repo.TokenRow>): Promise<Token> {
    return transact(async (trx, events) => {
      const token = await requireToken(trx, tokenId);
      await assertMayActOn(actor, token, trx);
      return reads.withPlace(trx, await decide(trx, events, token));
    });
  }

  return {
    async issue(actor: Actor, input: IssueTokenBody, idempotency?: IdempotencyRequest): Promise<Token> {
      const phone = toE164(input.patient.phone, defaultPhoneRegion, 'patient.phone');
      const dept = await requireOpenDepartment(input.departmentId, 'departmentId');
      await assertMayActIn(actor, dept.id, 'issue tokens there');
      return transact(async (trx, events) =>
        once(trx, idempotency, clock.now(), async () => {
          const now = clock.now();
          const day = localDay(now, timeZone);
          const statusKey = newSecret();
          const priority = input.priority ?? 'normal';
          const tokenId = newId();
          const historyId = newId();
          // The number and the event's seq are taken inside the write (on PostgreSQL in the same
          // statement as the inserts), so the rows are built from them there.
          const { token: row, event } = await writes.writeIssue(trx, database.dialect, { departmentId: dept.id, code: dept.code, day }, ({ seq, number, eventSeq }) => {
            const token: repo.TokenRow = {
              id: tokenId,
              number,
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
            const history: repo.TransitionRow = {
              id: historyId,
              token_id: tokenId,
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
            };
            return { token, history, event: eventOf(dept.id, eventSeq, 'token.issued', token, undefined) };
          });
          events.push(event);
          await deps.audit.record(trx, {
            type: 'patient.token.issued',
            action: 'issue',
            actor: auditActorOf(actor),
            subject: { kind: 'token', id: tokenId, label: row.number },
            ...(actor.request && { ip: actor.request.ip, requestId: actor.request.requestId }),
            details: { departmentId: dept.id, priority },
          });
          const place = await reads.placeOfNewcomer(trx, dept, row.lane, event.seq, now);
          const statusUrl = `${publicUrl}/s/${statusKey}`;
          if (input.notify) await deps.notifier?.issued(trx, row, { statusUrl, language: input.patient.language ?? null }, { position: place.position, maxMinutes: place.estimatedWait.maxMinutes });
          return { ...toToken(row, place), statusKey, statusUrl };
        }),
      );
    },

    async callNext(actor: Actor, counterId: string, idempotency?: IdempotencyRequest): Promise<{ token: Token | null }> {
      const counter = await requireWorkingCounter(counterId);
      const dept = await requireDepartment(counter.department_id);
      if (!inScope(actor, dept.id)) throw notYourDepartment(dept.name, `call patients at ${counter.name}`);
      return transact(async (trx, events) => once(trx, idempotency, clock.now(), async () => ({ token: await callNextIn(trx, events, counter, dept, actor) })));
    },

    /**
     * The console's one click: the counter's current patient (its latest call still called or being
     * served) is completed or sent on, and the next one is called, in one transaction.
     */
    async completeAndCallNext(
      actor: Actor,
      counterId: string,
      nextDepartmentId: string | undefined,
      idempotency?: IdempotencyRequest,
    ): Promise<{ completed: Token | null; token: Token | null }> {
      const counter = await requireWorkingCounter(counterId);
      const dept = await requireDepartment(counter.department_id);
      if (!inScope(actor, dept.id)) throw notYourDepartment(dept.name, `call patients at ${counter.name}`);
      const onward = nextDepartmentId === undefined ? undefined : await requireOpenDepartment(nextDepartmentId, 'nextDepartmentId');
      return transact(async (trx, events) =>
        once(trx, idempotency, clock.now(), async () => {
          const current = await repo.currentTokenAt(trx, counter.id);
          const completed = current ? await reads.withPlace(trx, await completeIn(trx, events, current, actor, onward)) : null;
          return { completed, token: await callNextIn(trx, events, counter, dept, actor) };
        }),
      );
    },

    callToken: (actor: Actor, tokenId: string, counterId: string) =>
      act(actor, tokenId, async (trx, events, token) => {
        assertStep(token, 'call');
        const counter = await requireWorkingCounter(counterId, 'counterId', trx);
        if (counter.department_id !== token.department_id) {
          throw new ValidationError(`Counter ${counter.name} does not serve the department token ${token.number} waits in.`, [
            { path: 'counterId', message: 'counter of another department' },
          ]);
        }
        return callTo(trx, events, token, counter, actor);
      }),

    /**
     * A patient's LATE reply: the token goes back in its lane as if it arrived `minutes` from now, so
     * no counter calls it before then; everyone who comes meanwhile goes ahead of it.
     */
    lateBy: (actor: Actor, tokenId: string, minutes: number) =>
      act(actor, tokenId, async (trx, events, token) => {
        assertStep(token, 'late');
        const until = clock.now() + minutes * 60_000;
        return transition(trx, events, token, 'late', { queued_at: Math.max(token.queued_at, until) }, actor, { reason: `patient replied they will be ${minutes} minutes late` });
      }),

    recall: (actor: Actor, tokenId: string) =>
      act(actor, tokenId, async (trx, events, token) => {
        assertStep(token, 'recall');
        const dept = await requireDepartment(token.department_id, undefined, trx);
        if (token.recall_count >= dept.max_recalls) {
          return transition(trx, events, token, 'recallExhausted', {}, actor, { reason: `no answer after ${dept.max_recalls} recalls` });
        }
        return transition(trx, events, token, 'recall', { recall_count: token.recall_count + 1, called_at: clock.now() }, actor);
      }),

    start: (actor: Actor, tokenId: string) => act(actor, tokenId, (trx, events, token) => transition(trx, events, token, 'start', { started_at: clock.now() }, actor)),

    complete: (actor: Actor, tokenId: string, nextDepartmentId?: string, idempotency?: IdempotencyRequest) =>
      transact(async (trx, events) =>
        once(trx, idempotency, clock.now(), async () => {
          const token = await requireToken(trx, tokenId);
          await assertMayActOn(actor, token, trx);
          assertStep(token, 'complete');
          const onward = nextDepartmentId === undefined ? undefined : await requireOpenDepartment(nextDepartmentId, 'nextDepartmentId', trx);
          return reads.withPlace(trx, await completeIn(trx, events, token, actor, onward));
        }),
      ),

    transfer: (actor: Actor, tokenId: string, departmentId: string) =>
      act(actor, tokenId, async (trx, events, token) => {
        assertStep(token, 'transfer');
        if (departmentId === token.department_id && token.status === 'waiting') {
          throw new InvalidTransitionError(`Token ${token.number} is already waiting in that department.`);
        }
        const target = await requireOpenDepartment(departmentId, 'departmentId', trx);
        return transition(trx, events, token, 'transfer', movedTo(token, target), actor, { reason: `transferred to ${target.name}` });
      }),

    park: (actor: Actor, tokenId: string) =>
      act(actor, tokenId, async (trx, events, token) => {
        const dept = await requireDepartment(token.department_id, undefined, trx);
        return transition(trx, events, token, 'park', { park_remaining: dept.park_return_after, counter_id: null }, actor);
      }),

    noShow: (actor: Actor, tokenId: string) => act(actor, tokenId, (trx, events, token) => transition(trx, events, token, 'no_show', {}, actor)),

    cancel: (actor: Actor, tokenId: string, reason?: string) => act(actor, tokenId, (trx, events, token) => transition(trx, events, token, 'cancel', {}, actor, reason ? { reason } : {})),

    undo: (actor: Actor, tokenId: string) =>
      transact(async (trx, events) => {
        const token = await requireToken(trx, tokenId);
        const last = await repo.lastTransition(trx, token.id);
        // My own transfer or sending on out of my department is mine to take back, though the token now waits elsewhere.
        const sentOnByMe = last?.actor_id != null && last.actor_id === actor.id && last.from_department_id !== null && inScope(actor, last.from_department_id);
        if (!sentOnByMe) await assertMayActOn(actor, token, trx);
        if (!last || last.action === 'issue' || !last.before_state) {
          throw new InvalidTransitionError(`Token ${token.number} has nothing to undo: it was only issued.`);
        }
        if (last.action === 'undo') {
          throw new InvalidTransitionError(`The last action on token ${token.number} was already undone.`);
        }
        const before = JSON.parse(last.before_state) as TokenState;
        if (last.action === 'complete') await repo.deleteService(trx, last.id);
        return reads.withPlace(trx, await transition(trx, events, token, 'undo', {}, actor, { reason: `undid ${last.action}`, restore: before }));
      }),
  };
}

