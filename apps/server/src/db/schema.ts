import type { Generated } from 'kysely';
import type { DeviceRole, HistoryAction, JoinCodeRotation, PrivacyProfile, Priority, Role, SecurityFeedKind, SelfCheckInMode, TokenStatus } from '@smart-token/contracts';

/** Row types of every table, as Kysely sees them. Times are epoch milliseconds; booleans are 0/1. */
export interface DepartmentsTable {
  id: string;
  code: string;
  name: string;
  /** Who may check in without reception: 'off', 'kiosk' (a kiosk of the department) or 'phone' (with the join code). */
  self_check_in: SelfCheckInMode;
  /** How often the phone join code rotates; null: the server's default. */
  join_code_rotation: JoinCodeRotation | null;
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
  /** The TOTP secret, sealed (lib/sealing.ts); set and not enabled while enrolment waits for a code. */
  totp_secret_sealed: Generated<string | null>;
  /** When 2FA was turned on; null: off. */
  totp_enabled_at: Generated<number | null>;
  /** The time step of the last TOTP code accepted (replay refusal). */
  totp_last_step: Generated<number | null>;
}

/** One-time 2FA recovery codes, hashed. */
export interface RecoveryCodesTable {
  id: string;
  /** argon2id of the code (dash removed, lower case); `sha256:<hex>` for codes given out before 0505. */
  code_hash: string;
  user_id: string;
  created_at: number;
  used_at: number | null;
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
  /** The patient's identifiers, each an `enc1.…` value (modules/keys); read decrypted through the database's plugin. */
  patient_name: string;
  phone_e164: string;
  phone_last4: string;
  /** Keyed blind indexes of the phone and of its last four digits (modules/keys); null only before the keyring filled them. */
  phone_index: string | null;
  last4_index: string | null;
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

/** A patient's consent to messages about one visit (migration 2026_12_06_0701). */
export interface NotificationConsentsTable {
  token_id: string;
  channel: string;
  consented_at: number;
  language: string | null;
  /** The status link, an `enc1.…` value (modules/keys). */
  status_url: string;
  /** 1 while "your turn is near" is still to be sent. */
  approach_due: Generated<number>;
  late_used_at: number | null;
  cancel_asked_at: number | null;
}

/** The notifications outbox: one row per message, written with the change that causes it. */
export interface NotificationMessagesTable {
  id: string;
  dedupe_key: string;
  token_id: string | null;
  department_id: string | null;
  trigger: string;
  channel: string;
  delivered_via: string | null;
  language: string | null;
  vars: string;
  /** `enc1.…` values (modules/keys). */
  to_phone: string | null;
  message_body: string | null;
  state: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  provider_id: string | null;
  error: string | null;
  created_at: number;
  sent_at: number | null;
  updated_at: number;
}

export interface NotificationOptOutsTable {
  phone_index: string;
  opted_out_at: number;
  via: string;
}

export interface NotificationTemplatesTable {
  /** '' for the clinic-wide template. */
  department_id: string;
  language: string;
  trigger: string;
  template_text: string;
  updated_at: number;
}

/** A patient's browser that asked for Web Push about one visit (migration 2026_12_06_0702). */
export interface PushSubscriptionsTable {
  id: string;
  token_id: string;
  /** sha256 (hex) of the endpoint. */
  endpoint_hash: string;
  /** The subscription's JSON (endpoint and keys), an `enc1.…` value (modules/keys). */
  push_subscription: string;
  created_at: number;
  last_error: string | null;
  disabled_at: number | null;
}

/** Clinic-wide settings the admin edits: one JSON document per key (`branding`). */
export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

/** A board or kiosk's API key (migration 2026_12_03_0502). */
export interface DevicesTable {
  id: string;
  name: string;
  role: DeviceRole;
  key_hash: string;
  prefix: string;
  screen_key_hash: string | null;
  privacy: PrivacyProfile;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface DeviceDepartmentsTable {
  device_id: string;
  department_id: string;
}

export interface DevicePairingCodesTable {
  code_hash: string;
  device_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** The departments a person works in (a doctor acts only there). */
export interface UserDepartmentsTable {
  user_id: string;
  department_id: string;
}

/** How often one kind of refusal happened in one minute (the security feed); see security-feed. */
export interface SecurityEventCountsTable {
  minute: number;
  kind: SecurityFeedKind;
  rule: string;
  route: string;
  ip: string;
  count: number;
}

/** An audit event as recorded (in the transaction of its change), before the chainer keys it into the trail. */
export interface AuditPendingTable {
  id: string;
  at: number;
  type: string;
  actor_kind: string;
  actor_id: string | null;
  actor_label: string | null;
  subject_kind: string | null;
  subject_id: string | null;
  subject_label: string | null;
  action: string;
  outcome: string;
  ip: string | null;
  request_id: string | null;
  /** JSON; never a patient's name or phone. */
  details: string | null;
}

/** The audit trail: append-only (a trigger refuses UPDATE and DELETE), each entry's MAC chained to the one before. */
export interface AuditEntriesTable extends AuditPendingTable {
  seq: number;
  prev_mac: string;
  mac: string;
  chained_at: number;
}

/** Which tokens an audit entry concerns: the index behind "who saw this patient's data". */
export interface AuditRecordsTable {
  token_id: string;
  entry_seq: number;
}

/** The scheduled backup's lease: one row per local day; finished_at null means taken and not (yet) done. */
export interface BackupRunsTable {
  day: string;
  instance: string;
  started_at: number;
  finished_at: number | null;
  /** The encrypted backup's file name, once done. */
  file: string | null;
  /** Why the last attempt failed; it is tried again once its lease expires. */
  error: string | null;
}

/** The keys that encrypt patients' identifiers, wrapped by the master key (migration 2026_12_05_0601). */
export interface DataKeysTable {
  id: string;
  /** 'data' encrypts values; 'index' keys the blind indexes. */
  purpose: 'data' | 'index';
  wrapped: string;
  created_at: number;
  /** When it became the key new values are encrypted under; null while a rotation announces it. */
  activated_at: number | null;
  /** When a rotation had moved every value off it; kept so a straggler written under it still reads. */
  retired_at: number | null;
}

export interface DB {
  data_keys: DataKeysTable;
  devices: DevicesTable;
  device_departments: DeviceDepartmentsTable;
  device_pairing_codes: DevicePairingCodesTable;
  departments: DepartmentsTable;
  counters: CountersTable;
  users: UsersTable;
  user_departments: UserDepartmentsTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  recovery_codes: RecoveryCodesTable;
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
  security_event_counts: SecurityEventCountsTable;
  audit_pending: AuditPendingTable;
  audit_entries: AuditEntriesTable;
  audit_records: AuditRecordsTable;
  backup_runs: BackupRunsTable;
  notification_consents: NotificationConsentsTable;
  notification_messages: NotificationMessagesTable;
  notification_opt_outs: NotificationOptOutsTable;
  notification_templates: NotificationTemplatesTable;
  push_subscriptions: PushSubscriptionsTable;
}
