import type { Generated } from 'kysely';
import type { HistoryAction, Priority, Role, TokenStatus } from '@smart-token/contracts';

/** Row types of every table, as Kysely sees them. Times are epoch milliseconds; booleans are 0/1. */
export interface DepartmentsTable {
  id: string;
  code: string;
  name: string;
  self_check_in: number;
  max_wait_minutes: number;
  max_recalls: number;
  park_return_after: number;
  created_at: number;
  /** 1: the entry desk (registration/OPD), reception's default department. */
  is_entry: Generated<number>;
  /** 0: deactivated (no new tokens, hidden from reception and kiosk). */
  active: Generated<number>;
  name_hi: string | null;
  name_ar: string | null;
}

export interface CountersTable {
  id: string;
  department_id: string;
  name: string;
  created_at: number;
  /** 0: deactivated (cannot call). */
  active: Generated<number>;
  /** Position among the department's counters, lowest first. */
  sort_order: Generated<number>;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
  /** When an admin reset the password; the user must change it before anything else. */
  password_reset_at: number | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
  last_seen_at: number | null;
  /** Why it ended: 'logout', 'idle', 'reuse', 'admin', 'password', 'disabled'. */
  ended_reason: string | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  successor_hash: string | null;
  successor_sealed: string | null;
}

export interface TokensTable {
  id: string;
  number: string;
  issue_day: string;
  issued_department_id: string;
  seq: number;
  status: TokenStatus;
  department_id: string;
  priority: Priority;
  /** Call-order lane (see call-order.ts); only meaningful while waiting. */
  lane: number;
  /** When the token joined its current department's line; first come, first served within a lane. */
  queued_at: number;
  /** While parked: how many more calls in the department before it returns to the line. */
  park_remaining: number | null;
  counter_id: string | null;
  recall_count: number;
  patient_name: string;
  phone_e164: string;
  phone_last4: string;
  language: string | null;
  notify_channel: string | null;
  status_key_hash: string;
  issued_at: number;
  called_at: number | null;
  started_at: number | null;
  completed_at: number | null;
  updated_at: number;
  /** Bumped by every transition; an update that finds another version lost a race and retries. */
  version: number;
}

export interface TokenTransitionsTable {
  id: string;
  token_id: string;
  /** The token's version this transition produced: history order, and one row per version. */
  version: number;
  action: HistoryAction;
  at: number;
  actor_id: string | null;
  actor_label: string;
  from_status: TokenStatus | null;
  to_status: TokenStatus;
  from_department_id: string | null;
  department_id: string;
  counter_id: string | null;
  reason: string | null;
  /** The token's state before this transition (JSON), so undo can restore it exactly. */
  before_state: string | null;
}

export interface ServicesTable {
  transition_id: string;
  department_id: string;
  counter_id: string | null;
  completed_at: number;
  duration_ms: number;
}

export interface DailySequencesTable {
  department_id: string;
  day: string;
  last_value: number;
}

export interface QueueLaneCountsTable {
  department_id: string;
  lane: number;
  waiting: number;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number;
  body: string;
  created_at: number;
}

export interface FailureLockoutsTable {
  scope: string;
  subject: string;
  failures: number;
  window_started_at: number;
  locked_until: number | null;
}

export interface LiveEventsTable {
  department_id: string;
  seq: number;
  type: string;
  token_id: string;
  /** The full token (JSON) as staff see it; boards and patients get projections of it. */
  payload: string;
  at: number;
}

export interface DepartmentEventSeqsTable {
  department_id: string;
  last_seq: number;
}

export interface LiveTicketsTable {
  ticket_hash: string;
  session_id: string;
  expires_at: number;
  used_at: number | null;
}

/** Clinic-wide settings the admin edits: one JSON document per key (`branding`). */
export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface DB {
  departments: DepartmentsTable;
  counters: CountersTable;
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  tokens: TokensTable;
  token_transitions: TokenTransitionsTable;
  services: ServicesTable;
  daily_sequences: DailySequencesTable;
  queue_lane_counts: QueueLaneCountsTable;
  idempotency_keys: IdempotencyKeysTable;
  failure_lockouts: FailureLockoutsTable;
  live_events: LiveEventsTable;
  department_event_seqs: DepartmentEventSeqsTable;
  live_tickets: LiveTicketsTable;
  settings: SettingsTable;
}
