import type { CreateUserBody, StaffUser, UpdateUserBody, User } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { isUniqueViolation } from '../../db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId, newSecret } from '../../lib/ids.js';
import { accountLockSubject, clearLoginLocks, type AuthService } from '../auth/auth.service.js';
import { ACCOUNT_LOCKOUT, lockedSubjects } from '../lockouts/lockouts.js';
import { assertStrongPassword } from '../auth/password-policy.js';
import { hashPassword } from '../auth/passwords.js';
import type { RequestContext, SecurityLog } from '../auth/security-log.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import * as repo from './users.repository.js';

/** Random bytes of an admin-made temporary password: said once, typed once, changed at the next sign-in. */
const TEMPORARY_PASSWORD_BYTES = 16;

export function createUsersService(deps: {
  database: Database;
  clock: Clock;
  invalidation: Pick<CacheInvalidationBus, 'publish'>;
  /** Ends a user's sessions on every instance (the auth service). */
  sessions: Pick<AuthService, 'endSessionsOfUser'>;
  security: SecurityLog;
}) {
  const { database, clock, invalidation, sessions, security } = deps;

  async function requireUser(id: string): Promise<repo.UserRow> {
    const user = await repo.findUser(database.db, id);
    if (!user) throw new NotFoundError(`User ${id} does not exist.`);
    return user;
  }

  return {
    async createUser(input: CreateUserBody): Promise<User> {
      await assertStrongPassword(input.password, 'password', [input.email, input.name]);
      const passwordHash = await hashPassword(input.password);
      const user: User = { id: newId(), email: input.email, name: input.name, role: input.role };
      try {
        await database.transact((trx) => repo.insertUser(trx, { ...user, password_hash: passwordHash, created_at: clock.now(), disabled_at: null }));
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(`A user with email ${input.email} already exists.`);
        throw error;
      }
      return user;
    },

    /** Every user, and whether each is disabled or locked out of signing in (everywhere, after many failures). */
    async listUsers(): Promise<StaffUser[]> {
      const [rows, locked] = await Promise.all([repo.listUsers(database.db), lockedSubjects(database.db, ACCOUNT_LOCKOUT, clock.now())]);
      return rows.map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, disabled: u.disabled_at !== null, locked: locked.has(accountLockSubject(u.email)) }));
    },

    countUsers: () => repo.countUsers(database.db),

    /**
     * Renames, changes the role of, disables or enables a user. A disabled user's requests are refused
     * from the next one on every instance (their sessions end and every session cache hears of it).
     */
    async updateUser(id: string, input: UpdateUserBody, actor: { userId: string; context: RequestContext }): Promise<User> {
      const user = await requireUser(id);
      if (input.disabled === true && id === actor.userId) {
        throw new ValidationError('You cannot disable your own account; ask another admin.', [{ path: 'disabled', message: 'your own account' }]);
      }
      const disabledAt = input.disabled === undefined ? user.disabled_at : input.disabled ? (user.disabled_at ?? clock.now()) : null;
      await database.transact((trx) => repo.updateUser(trx, id, { name: input.name ?? user.name, role: input.role ?? user.role, disabled_at: disabledAt }));
      await invalidation.publish({ kind: 'user', id });
      security.record({ type: 'user.updated', userId: id, actorId: actor.userId, reason: Object.keys(input).sort().join(','), context: actor.context });
      if (input.disabled === true) await sessions.endSessionsOfUser(id, 'disabled', { actorId: actor.userId, context: actor.context });
      return { id, email: user.email, name: input.name ?? user.name, role: input.role ?? user.role };
    },

    /** Lifts every sign-in lock of the account (from every address). */
    async unlock(id: string, actor: { userId: string; context: RequestContext }): Promise<void> {
      const user = await requireUser(id);
      await clearLoginLocks(database, user.email);
      security.record({ type: 'account.unlocked', userId: id, actorId: actor.userId, context: actor.context });
    },

    /**
     * An admin's reset: a temporary password, said once; the user must choose a new one at the next
     * sign-in. Their sessions end and their sign-in locks lift.
     */
    async resetPasswordByAdmin(id: string, actor: { userId: string; context: RequestContext }): Promise<{ temporaryPassword: string }> {
      const user = await requireUser(id);
      const temporaryPassword = newSecret(TEMPORARY_PASSWORD_BYTES);
      const passwordHash = await hashPassword(temporaryPassword);
      await database.transact((trx) => repo.setPasswordHash(trx, user.email, passwordHash, clock.now()));
      await clearLoginLocks(database, user.email);
      security.record({ type: 'password.reset', userId: id, actorId: actor.userId, context: actor.context });
      await sessions.endSessionsOfUser(id, 'password', { actorId: actor.userId, context: actor.context });
      return { temporaryPassword };
    },

    /**
     * The command line's reset: sets the password given, ends the user's sessions (a stolen session
     * dies with the old password, on every instance from its next request) and lifts the locks.
     */
    async resetPassword(email: string, password: string): Promise<void> {
      await assertStrongPassword(password, 'password', [email]);
      const passwordHash = await hashPassword(password);
      const userId = await database.transact((trx) => repo.setPasswordHash(trx, email, passwordHash, null));
      if (userId === undefined) throw new NotFoundError(`No user has the email ${email}.`);
      await clearLoginLocks(database, email);
      security.record({ type: 'password.reset', userId, reason: 'command line' });
      await sessions.endSessionsOfUser(userId, 'password');
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
