import type { CreateUserBody, User } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { isUniqueViolation } from '../../db/database.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { hashPassword } from '../auth/passwords.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import * as repo from './users.repository.js';

export function createUsersService(deps: { database: Database; clock: Clock; invalidation: Pick<CacheInvalidationBus, 'publish'> }) {
  const { database, clock, invalidation } = deps;

  return {
    async createUser(input: CreateUserBody): Promise<User> {
      const passwordHash = await hashPassword(input.password);
      const user: User = { id: newId(), email: input.email, name: input.name, role: input.role };
      try {
        await database.transact((trx) =>
          repo.insertUser(trx, { ...user, password_hash: passwordHash, created_at: clock.now(), disabled_at: null }),
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(`A user with email ${input.email} already exists.`);
        throw error;
      }
      return user;
    },

    async listUsers(): Promise<User[]> {
      return (await repo.listUsers(database.db)).map((u) => ({ ...u, role: u.role }));
    },

    countUsers: () => repo.countUsers(database.db),

    /**
     * Sets a new password and ends the user's sessions, so a stolen session dies with the old
     * password: on every instance from its next request (their session caches hear of it).
     */
    async resetPassword(email: string, password: string): Promise<void> {
      const passwordHash = await hashPassword(password);
      const userId = await database.transact(async (trx) => {
        const id = await repo.setPasswordHash(trx, email, passwordHash);
        if (id === undefined) throw new NotFoundError(`No user has the email ${email}.`);
        await repo.revokeSessionsOfUserByEmail(trx, email, clock.now());
        return id;
      });
      await invalidation.publish({ kind: 'user', id: userId });
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
