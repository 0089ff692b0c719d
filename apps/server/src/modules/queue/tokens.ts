import type { ActorKind, EstimatedWait, Token } from '@smart-token/contracts';
import { iso, isoOrUndefined } from '../../lib/clock.js';
import type { AuditActor } from '../audit/audit.js';
import type { TokenRow } from './queue.repository.js';

/** Who did it, as the history shows it. */
export interface Actor {
  id: string | null;
  label: string;
  /** The departments the actor may act in; undefined: every department (department-scope.ts). */
  departmentIds?: readonly string[];
  /** The request it came through (address, request id, the signed-in account's email), for the audit trail. */
  request?: { ip: string; requestId: string; email: string };
}

export const SYSTEM_ACTOR: Actor = { id: null, label: 'system' };
/** A patient who checked themselves in (kiosk, phone). */
export const SELF_CHECK_IN_ACTOR: Actor = { id: null, label: 'self check-in' };
/** A patient acting by replying to a message (LATE, CANCEL): modules/notifications. */
export const PATIENT_REPLY_ACTOR: Actor = { id: null, label: 'patient by message' };

/**
 * The kind of a stored actor: a person has an id; the two actors without one are the server's own
 * (above), told apart by the label it wrote for them. Anything else is shown by its label.
 */
export function actorKindOf(row: { actor_id: string | null; actor_label: string }): ActorKind {
  if (row.actor_id === null && row.actor_label === SYSTEM_ACTOR.label) return 'system';
  if (row.actor_id === null && row.actor_label === SELF_CHECK_IN_ACTOR.label) return 'self-check-in';
  return 'person';
}

/** The actor as the audit trail records it: a person (or device) by id, else the server or a patient checking in. */
export function auditActorOf(actor: Actor): AuditActor {
  // The trail names people by their account (as every other entry does), the history by their name.
  if (actor.id !== null) return { kind: 'user', id: actor.id, label: actor.request?.email ?? actor.label };
  const patient = actor.label === SELF_CHECK_IN_ACTOR.label || actor.label === PATIENT_REPLY_ACTOR.label;
  return { kind: patient ? 'patient' : 'system', label: actor.label };
}

export const NUMBER_DIGITS = 3;

/** The token's fields that a transition may change; kept with each transition so undo can restore them. */
export type TokenState = Pick<
  TokenRow,
  'status' | 'department_id' | 'counter_id' | 'lane' | 'queued_at' | 'park_remaining' | 'recall_count' | 'called_at' | 'started_at' | 'completed_at'
>;

export const snapshot = (t: TokenRow): TokenState => ({
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

export function toToken(row: TokenRow, extra: { position?: number; estimatedWait?: EstimatedWait } = {}): Token {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    departmentId: row.department_id,
    priority: row.priority,
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
