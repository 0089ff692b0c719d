import type { LiveEventType } from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { Dialect } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { InvalidTransitionError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import type { AuditTrail } from '../audit/audit.js';
import type { ChangeNotifier } from '../notifications/change-notifier.js';
import { newId } from '../../lib/ids.js';
import * as liveRepo from '../live/live.repository.js';
import { eventTypeOf, type PendingEvent } from '../live/live-events.js';
import type { DepartmentLookup } from './department-lookup.js';
import * as repo from './queue.repository.js';
import * as writes from './token-writes.repository.js';
import { TRANSITIONS, stepAllowed, transitionRefusal, type TransitionName } from './state-machine.js';
import { auditActorOf, snapshot, toToken, type Actor, type TokenState } from './tokens.js';

/** Another request changed the token between our read and our write; the whole work is retried. */
export class LostRace extends Error {}

/** Refuses a step the token's status does not allow, with a sentence naming the token and its status. */
export function assertStep(token: repo.TokenRow, step: TransitionName): void {
  if (!stepAllowed(step, token.status)) throw new InvalidTransitionError(transitionRefusal(token.number, token.status, TRANSITIONS[step].action));
}

/** What one attempt of a transaction wrote for the screens: published only if that attempt commits. */
export type Events = PendingEvent[];

export interface TransitionOptions {
  reason?: string;
  /** Names the history row up front (a service record refers to it). */
  transitionId?: string;
  /** Undo: the state to go back to, status included (the table's `previous`). */
  restore?: TokenState;
  /** The name of the counter the token ends at, when the caller has it (saves a lookup). */
  counterName?: string;
  /** The event seq the caller already took in the token's department (`reserveEventSeq`). */
  eventSeq?: number;
}

/**
 * The only writer of a token's state after issue: takes the target status from the state machine's
 * table, writes the change with a version check, its history row, the lane counts and the outbox
 * events, all in the caller's transaction.
 */
export function createTokenWriter(deps: { clock: Clock; lookup: DepartmentLookup; dialect: Dialect; audit: AuditTrail; notifier?: ChangeNotifier | undefined }) {
  const { clock, lookup, dialect, audit, notifier } = deps;

  async function counterNameOf(trx: Kysely<DB>, counterId: string | null): Promise<string | undefined> {
    return counterId ? (await lookup.counter(counterId, trx))?.name : undefined;
  }

  /** The event as screens get it: the full token, and where it stands when it waits. */
  function eventOf(departmentId: string, seq: number, type: LiveEventType, token: repo.TokenRow, counterName: string | undefined): PendingEvent {
    return {
      departmentId,
      seq,
      type,
      at: clock.now(),
      token: toToken(token),
      ...(counterName !== undefined && { counterName }),
      ...(token.status === 'waiting' && { order: { lane: token.lane, queuedAt: token.queued_at } }),
    };
  }

  /** The lane counts follow every token into and out of the waiting line, in the same transaction. */
  function laneMoves(before: repo.TokenRow, after: repo.TokenRow): writes.LaneMove[] {
    const wasWaiting = before.status === 'waiting';
    const isWaiting = after.status === 'waiting';
    if (wasWaiting && isWaiting && before.department_id === after.department_id && before.lane === after.lane) return [];
    return [
      ...(wasWaiting ? [{ departmentId: before.department_id, lane: before.lane, delta: -1 }] : []),
      ...(isWaiting ? [{ departmentId: after.department_id, lane: after.lane, delta: +1 }] : []),
    ];
  }

  async function transition(
    trx: Kysely<DB>,
    events: Events,
    token: repo.TokenRow,
    step: TransitionName,
    changes: Partial<Omit<TokenState, 'status'>>,
    actor: Actor,
    options: TransitionOptions = {},
  ): Promise<repo.TokenRow> {
    assertStep(token, step);
    const rule = TRANSITIONS[step];
    const status = rule.to === 'previous' ? options.restore?.status : rule.to;
    if (!status) throw new Error(`transition ${step} needs the state to restore`);
    const now = clock.now();
    const change: Partial<TokenState> = { ...options.restore, ...changes, status };
    // The departments' event seqs first, in id order: every writer takes its locks in the same order
    // (call-next's department lock, then event seqs, then lane counts), so two writers never deadlock.
    const departmentIds = [...new Set([token.department_id, change.department_id ?? token.department_id])].sort();
    const seqs = new Map<string, number>();
    for (const departmentId of departmentIds) {
      const reserved = departmentId === token.department_id ? options.eventSeq : undefined;
      seqs.set(departmentId, reserved ?? (await liveRepo.nextEventSeq(trx, departmentId)));
    }
    const next: repo.TokenRow = { ...token, ...change, version: token.version + 1, updated_at: now };
    const type = eventTypeOf(rule.action, next);
    const counterName = options.counterName ?? (await counterNameOf(trx, next.counter_id));
    // The department the token is in now first, as screens have always received them.
    const written = [...new Set([next.department_id, token.department_id])].map((departmentId) => eventOf(departmentId, seqs.get(departmentId)!, type, next, counterName));
    const ok = await writes.writeTransition(trx, dialect, {
      tokenId: token.id,
      version: token.version,
      changes: { ...change, updated_at: now },
      laneMoves: laneMoves(token, next),
      history: {
        id: options.transitionId ?? newId(),
        token_id: token.id,
        version: next.version,
        action: rule.action,
        at: now,
        actor_id: actor.id,
        actor_label: actor.label,
        from_status: token.status,
        to_status: next.status,
        from_department_id: token.department_id,
        department_id: next.department_id,
        counter_id: next.counter_id,
        reason: options.reason ?? null,
        before_state: JSON.stringify(snapshot(token)),
      },
      events: written,
    });
    if (!ok) throw new LostRace();
    // The trail's entry commits with the change or not at all. The reason is staff's free text: kept in
    // the token's history, only flagged here (the trail is kept for years, outside the encryption).
    await audit.record(trx, {
      type: 'queue.transition',
      action: rule.action,
      actor: auditActorOf(actor),
      subject: { kind: 'token', id: token.id, label: token.number },
      ...(actor.request && { ip: actor.request.ip, requestId: actor.request.requestId }),
      details: {
        from: token.status,
        to: next.status,
        departmentId: next.department_id,
        ...(next.department_id !== token.department_id && { fromDepartmentId: token.department_id }),
        ...(next.counter_id && { counterId: next.counter_id }),
        ...(options.reason && { reasonGiven: true }),
      },
    });
    // The patient's message about this change (when they asked for messages) commits with it.
    if (notifier && next.notify_channel) await notifier.changed(trx, token, next, type, counterName);
    events.push(...written);
    return next;
  }

  return { transition, eventOf };
}

