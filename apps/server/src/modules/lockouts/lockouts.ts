import { sql, type Kysely } from 'kysely';
import { prepared, type Params } from '../../db/prepared.js';
import type { DB } from '../../db/schema.js';

/** A security rule, not a rate: so many failures for one subject within a window lock it for a while. */
export interface LockoutPolicy {
  scope: string;
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

const FIFTEEN_MINUTES = 15 * 60_000;
/** Sign-in failures for one account from one address: a stranger locks out only themselves. */
export const LOGIN_LOCKOUT: LockoutPolicy = { scope: 'login', maxFailures: 5, windowMs: FIFTEEN_MINUTES, lockMs: FIFTEEN_MINUTES };
/**
 * Sign-in failures for one account from anywhere: with at most 5 per address per 15 minutes, 30 in
 * an hour needs several addresses (a distributed guesser). The lock then holds for a day, or until an
 * admin unlocks the account or resets its password.
 */
export const ACCOUNT_LOCKOUT: LockoutPolicy = { scope: 'login-account', maxFailures: 30, windowMs: 60 * 60_000, lockMs: 24 * 60 * 60_000 };
export const STATUS_LOOKUP_LOCKOUT: LockoutPolicy = { scope: 'status', maxFailures: 5, windowMs: FIFTEEN_MINUTES, lockMs: FIFTEEN_MINUTES };

/** Milliseconds left on the subject's lock, or 0 when it is not locked. */
const lockedUntilQuery = prepared((db, p: Params<'scope' | 'subject'>) =>
  db.selectFrom('failure_lockouts').select('locked_until').where('scope', '=', p.scope).where('subject', '=', p.subject),
);

export async function lockedFor(db: Kysely<DB>, policy: LockoutPolicy, subject: string, now: number): Promise<number> {
  const row = (await lockedUntilQuery(db, { scope: policy.scope, subject })).rows[0];
  return row?.locked_until && row.locked_until > now ? row.locked_until - now : 0;
}

/**
 * Counts one failure unless the subject is locked, as one serialised step: the row is taken (and,
 * on PostgreSQL, held until commit) before it is read, so parallel failures for one subject queue
 * here and cannot all slip past a check made before any of them was counted. Run it inside a
 * transaction. Returns the milliseconds left on the lock when the subject was already locked (the
 * failure then is not counted), else 0; the failure that reaches the limit locks the subject.
 */
export async function countFailureUnlessLocked(trx: Kysely<DB>, policy: LockoutPolicy, subject: string, now: number): Promise<number> {
  const row = await trx
    .insertInto('failure_lockouts')
    .values({ scope: policy.scope, subject, failures: 0, window_started_at: now, locked_until: null })
    .onConflict((oc) => oc.columns(['scope', 'subject']).doUpdateSet({ failures: sql`failure_lockouts.failures` }))
    .returning(['failures', 'window_started_at', 'locked_until'])
    .executeTakeFirstOrThrow();
  if (row.locked_until !== null && row.locked_until > now) return row.locked_until - now;
  const windowExpired = row.window_started_at < now - policy.windowMs;
  const failures = (windowExpired ? 0 : row.failures) + 1;
  const changes =
    failures >= policy.maxFailures
      ? { failures: 0, window_started_at: now, locked_until: now + policy.lockMs }
      : { failures, window_started_at: windowExpired ? now : row.window_started_at, locked_until: null };
  await trx.updateTable('failure_lockouts').set(changes).where('scope', '=', policy.scope).where('subject', '=', subject).execute();
  return 0;
}

export async function clearFailures(db: Kysely<DB>, policy: LockoutPolicy, subject: string): Promise<void> {
  await db.deleteFrom('failure_lockouts').where('scope', '=', policy.scope).where('subject', '=', subject).execute();
}

/** Forgets every failure and lock of the policy's subjects that start with `prefix` (an account's, from every address). */
export async function clearFailuresStartingWith(db: Kysely<DB>, policy: LockoutPolicy, prefix: string): Promise<void> {
  await db.deleteFrom('failure_lockouts').where('scope', '=', policy.scope).where('subject', 'like', `${prefix}%`).execute();
}

/** The policy's subjects locked now (a handful at most: shown to admins). */
export async function lockedSubjects(db: Kysely<DB>, policy: LockoutPolicy, now: number): Promise<Set<string>> {
  const rows = await db.selectFrom('failure_lockouts').select('subject').where('scope', '=', policy.scope).where('locked_until', '>', now).execute();
  return new Set(rows.map((r) => r.subject));
}
