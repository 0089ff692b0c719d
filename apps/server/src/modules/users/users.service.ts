import type { CreateStaffUserBody, StaffUserWithDepartments, UpdateStaffUserBody, UserWithDepartments } from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { isUniqueViolation } from '../../db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId, newSecret } from '../../lib/ids.js';
import { accountLockSubject, clearLoginLocks, type AuthService } from '../auth/auth.service.js';
import { ACCOUNT_LOCKOUT, lockedSubjects } from '../lockouts/lockouts.js';
import type { PasswordPolicy } from '../auth/password-policy.js';
import { hashPassword } from '../auth/passwords.js';
import type { RequestContext, SecurityLog } from '../auth/security-log.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import * as repo from './users.repository.js';
import { BY_SYSTEM, entryBy, type AuditBy, type AuditTrail } from '../audit/audit.js';

/** Random bytes of an admin-made temporary password: said once, typed once, changed at the next sign-in. */
const TEMPORARY_PASSWORD_BYTES = 16;

export function createUsersService(deps: {
  database: Database;
  clock: Clock;
  invalidation: Pick<CacheInvalidationBus, 'publish'>;
  /** Ends a user's sessions on every instance (the auth service). */
  sessions: Pick<AuthService, 'endSessionsOfUser'>;
  security: SecurityLog;
  passwordPolicy: PasswordPolicy;
  audit: AuditTrail;
}) {
  const { database, clock, invalidation, sessions, security, audit } = deps;

  /** Every id must name a department: a wrong one is refused by name, and nothing is written. */
  async function assertDepartmentsExist(trx: Kysely<DB>, ids: readonly string[]): Promise<void> {
    const known = await repo.existingDepartmentIds(trx, ids);
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new ValidationError(
        `${unknown.length === 1 ? 'Department' : 'Departments'} ${unknown.join(', ')} ${unknown.length === 1 ? 'does' : 'do'} not exist.`,
        unknown.map((id) => ({ path: `departmentIds.${ids.indexOf(id)}`, message: `no department ${id}` })),
      );
    }
  }

  async function departmentIdsOf(userId: string, db: Kysely<DB> = database.db): Promise<string[]> {
    return ((await repo.departmentsOfUsers(db, [userId])).get(userId) ?? []).sort();
  }

  async function requireUser(id: string): Promise<repo.UserRow> {
    const user = await repo.findUser(database.db, id);
    if (!user) throw new NotFoundError(`User ${id} does not exist.`);
    return user;
  }

  return {
    async createUser(input: CreateStaffUserBody, by: AuditBy = BY_SYSTEM): Promise<UserWithDepartments> {
      await deps.passwordPolicy.assertStrong(input.password, 'password', [input.email, input.name]);
      const passwordHash = await hashPassword(input.password);
      const departmentIds = [...(input.departmentIds ?? [])].sort();
      const user: UserWithDepartments = { id: newId(), email: input.email, name: input.name, role: input.role, departmentIds };
      try {
        await database.transact(async (trx) => {
          await assertDepartmentsExist(trx, departmentIds);
          await repo.insertUser(trx, { id: user.id, email: user.email, name: user.name, role: user.role, password_hash: passwordHash, created_at: clock.now(), disabled_at: null });
          await repo.setUserDepartments(trx, user.id, departmentIds);
          await audit.record(trx, entryBy(by, { type: 'admin.user.created', action: 'create', subject: { kind: 'user', id: user.id, label: user.email }, details: { role: user.role, departmentIds } }));
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(`A user with email ${input.email} already exists.`);
        throw error;
      }
      return user;
    },

    /** Every user, and whether each is disabled or locked out of signing in (everywhere, after many failures). */
    async listUsers(): Promise<StaffUserWithDepartments[]> {
      const [rows, locked, departments] = await Promise.all([
        repo.listUsers(database.db),
        lockedSubjects(database.db, ACCOUNT_LOCKOUT, clock.now()),
        repo.departmentsOfUsers(database.db),
      ]);
      return rows.map((u) => ({
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        departmentIds: (departments.get(u.id) ?? []).sort(),
        disabled: u.disabled_at !== null,
        locked: locked.has(accountLockSubject(u.email)),
      }));
    },

    countUsers: () => repo.countUsers(database.db),

    /**
     * Renames, changes the role of, disables or enables a user. A disabled user's requests are refused
     * from the next one on every instance (their sessions end and every session cache hears of it).
     */
    async updateUser(id: string, input: UpdateStaffUserBody, actor: { userId: string; context: RequestContext }): Promise<UserWithDepartments> {
      const user = await requireUser(id);
      if (input.disabled === true && id === actor.userId) {
        throw new ValidationError('You cannot disable your own account; ask another admin.', [{ path: 'disabled', message: 'your own account' }]);
      }
      const disabledAt = input.disabled === undefined ? user.disabled_at : input.disabled ? (user.disabled_at ?? clock.now()) : null;
      const departmentIds = await database.transact(async (trx) => {
        await repo.updateUser(trx, id, { name: input.name ?? user.name, role: input.role ?? user.role, disabled_at: disabledAt });
        const by: AuditBy = { actor: { kind: 'user', id: actor.userId }, ip: actor.context.ip, requestId: actor.context.requestId };
        await audit.record(trx, entryBy(by, { type: 'admin.user.updated', action: 'update', subject: { kind: 'user', id, label: user.email }, details: { changed: input } }));
        if (input.departmentIds === undefined) return departmentIdsOf(id, trx);
        await assertDepartmentsExist(trx, input.departmentIds);
        await repo.setUserDepartments(trx, id, input.departmentIds);
        return [...input.departmentIds].sort();
      });
      // Every instance forgets the user's sessions and departments: the change holds from the next request.
      await invalidation.publish({ kind: 'user', id });
      security.record({ type: 'user.updated', userId: id, actorId: actor.userId, reason: Object.keys(input).sort().join(','), context: actor.context });
      if (input.disabled === true) await sessions.endSessionsOfUser(id, 'disabled', { actorId: actor.userId, context: actor.context });
      return { id, email: user.email, name: input.name ?? user.name, role: input.role ?? user.role, departmentIds };
    },

    /** Answers 404 for an id that names no user (an admin's action on someone who does not exist is not a success). */
    async assertExists(id: string): Promise<void> {
      await requireUser(id);
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
    /**
     * The command line's way back in for someone who lost both their phone and their recovery
     * codes (the only admin, say): two-step sign-in is turned off and their sessions end. An admin
     * is asked to enrol again at the next sign-in.
     */
    async resetTwoFactor(email: string): Promise<void> {
      const userId = await database.transact((trx) => repo.clearTwoFactor(trx, email));
      if (userId === undefined) throw new NotFoundError(`No user has the email ${email}.`);
      security.record({ type: '2fa.reset', userId, reason: 'command line' });
      await sessions.endSessionsOfUser(userId, '2fa-reset');
    },

    async resetPassword(email: string, password: string): Promise<void> {
      await deps.passwordPolicy.assertStrong(password, 'password', [email]);
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
