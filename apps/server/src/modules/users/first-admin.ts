import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { generatedPassword } from '../auth/password-policy.js';
import type { UsersService } from './users.service.js';

export const DEFAULT_ADMIN_EMAIL = 'admin@smart-token.local';

/**
 * On a first start with no users, creates the admin from ADMIN_EMAIL/ADMIN_PASSWORD, or with a
 * generated password that is shown once. Returns what to tell the operator, or undefined.
 */
export async function ensureFirstAdmin(users: UsersService, config: Config): Promise<{ email: string; password?: string } | undefined> {
  if ((await users.countUsers()) > 0) return undefined;
  const email = config.admin?.email ?? DEFAULT_ADMIN_EMAIL;
  const given = config.admin?.password;
  const password = given ?? generatedPassword(config.passwordPolicy);
  try {
    await users.createUser({ email, name: 'Administrator', role: 'admin', password });
  } catch (error) {
    // Another instance starting at the same moment made the first admin: nothing left to do here.
    if (error instanceof AppError && error.code === 'CONFLICT') return undefined;
    throw error;
  }
  return given ? { email } : { email, password };
}
