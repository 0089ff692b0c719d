import type { Kysely } from 'kysely';
import type { AuditEventTypeName as AuditEventType } from '@smart-token/contracts';
import type { DB } from '../../db/schema.js';

/** The trail's vocabulary (what each group covers: packages/contracts/src/audit.ts, shared with the admin screen). */
export { AUDIT_EVENT_TYPES, type AuditEventTypeName as AuditEventType } from '@smart-token/contracts';

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** Who acted: a signed-in person, a board or kiosk, a patient on their phone, the server itself, or nobody known. */
export interface AuditActor {
  kind: 'user' | 'device' | 'patient' | 'system' | 'anonymous';
  /** The user's or device's id. */
  id?: string;
  /** What a person reading the trail recognises: an email, a device's name. Never a patient's name or phone. */
  label?: string;
}

/** The server itself: starts, stops, scheduled work. */
export const SYSTEM_AUDIT_ACTOR: AuditActor = { kind: 'system', label: 'system' };

export type AuditSubjectKind = 'token' | 'user' | 'department' | 'counter' | 'device' | 'settings' | 'session' | 'backup' | 'key' | 'audit' | 'system';

/** What the event is about. */
export interface AuditSubject {
  kind: AuditSubjectKind;
  id?: string;
  /** A readable handle: a token's number (GEN-004), a department's code. Never a patient's name or phone. */
  label?: string;
}

export interface AuditEntryInput {
  type: AuditEventType;
  actor: AuditActor;
  subject?: AuditSubject;
  /** The verb within the type: a transition's action (`call`, `complete`), the route read (`GET /api/v1/tokens/:id`). */
  action: string;
  /** Default `success`. */
  outcome?: AuditOutcome;
  ip?: string;
  requestId?: string;
  /**
   * Anything else worth keeping: which fields changed, a reason. `records` lists the token ids a read
   * showed (record-access tracking: the trail can answer "who saw this patient's tokens").
   * Never a patient's name or phone number: the trail is kept for years, outside the encryption.
   */
  details?: { records?: string[] } & Record<string, unknown>;
}

export interface AuditTrail {
  /** Writes the entry in the caller's transaction: it commits with the change it records, or not at all. */
  record(trx: Kysely<DB>, entry: AuditEntryInput): Promise<void>;
  /** An event that changes nothing else (a read of patients' data, a refused sign-in): written on its own, soon. */
  note(entry: AuditEntryInput): void;
}

/** Who asked for a change, and through which request: what a service needs to record it. */
export interface AuditBy {
  actor: AuditActor;
  ip?: string;
  requestId?: string;
}

/** A change made by the server itself or the command line, not through a request. */
export const BY_SYSTEM: AuditBy = { actor: SYSTEM_AUDIT_ACTOR };

/** An entry made by `by`: its actor, address and request id, and the rest as given. */
export function entryBy(by: AuditBy, entry: Omit<AuditEntryInput, 'actor' | 'ip' | 'requestId'>): AuditEntryInput {
  return { ...entry, actor: by.actor, ...(by.ip !== undefined && { ip: by.ip }), ...(by.requestId !== undefined && { requestId: by.requestId }) };
}
