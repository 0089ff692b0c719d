import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * The clinic's state, which a refused request must leave as it was. Setup tables row by row; the
 * queue's and the sessions' tables by counts and sums that move on every insert and update (tokens
 * bump their version on each transition), which keeps a snapshot cheap however many tokens a test
 * issues. Left out: what a refusal may rightly write (failure lockouts, the security feed's counts)
 * and a session's last-seen time, which every request moves.
 */
const SETUP_TABLES = ['departments', 'counters', 'users', 'devices', 'settings'];
const TALLIES = sql<Record<string, unknown>>`
  select
    (select count(*) from user_departments) as user_departments,
    (select count(*) from device_departments) as device_departments,
    (select coalesce(sum(last_value), 0) from daily_sequences) as sequence_values,
    (select count(*) from daily_sequences) as daily_sequences,
    (select coalesce(sum(waiting), 0) from queue_lane_counts) as lane_counts,
    (select coalesce(sum(last_seq), 0) from department_event_seqs) as event_seqs,
    (select count(*) from tokens) as tokens,
    (select coalesce(sum(version), 0) from tokens) as token_versions,
    (select count(*) from token_transitions) as token_transitions,
    (select count(*) from services) as services,
    (select count(*) from live_events) as live_events,
    (select count(*) from idempotency_keys) as idempotency_keys,
    (select count(*) from sessions) as sessions,
    (select count(revoked_at) from sessions) as sessions_ended,
    (select count(*) from refresh_tokens) as refresh_tokens,
    (select count(used_at) from refresh_tokens) as refresh_tokens_used,
    (select count(*) from live_tickets) as live_tickets,
    (select count(*) from recovery_codes) as recovery_codes,
    (select count(used_at) from recovery_codes) as recovery_codes_used,
    (select count(*) from device_pairing_codes) as pairing_codes,
    (select count(used_at) from device_pairing_codes) as pairing_codes_used`;

export type ClinicState = Record<string, string[]>;

/** Two queries' worth of the clinic's state (see above), comparable with toEqual. */
export async function clinicState(db: Kysely<DB>): Promise<ClinicState> {
  const rowsOf = async (table: string) => [table, (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)).rows.map((row) => JSON.stringify(row)).sort()] as const;
  const [tallies, tables] = await Promise.all([TALLIES.execute(db), Promise.all(SETUP_TABLES.map(rowsOf))]);
  const counts = Object.entries(tallies.rows[0]!).map(([name, value]) => [name, [String(Number(value))]] as const);
  return Object.fromEntries<readonly string[]>([...counts, ...tables]) as ClinicState;
}

/** What changed between two states, named table by table, for a failure message. */
export function stateChanges(before: ClinicState, after: ClinicState): string {
  return Object.keys(before)
    .filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]))
    .map((name) => `${name}: ${after[name]!.filter((r) => !before[name]!.includes(r)).join(' ').slice(0, 300)}`)
    .join('; ');
}
