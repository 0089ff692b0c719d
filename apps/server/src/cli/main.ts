import { parseArgs } from 'node:util';
import type { ZodType } from 'zod';
import { roleSchema, createUserBodySchema, emailSchema, passwordSchema } from '@smart-token/contracts';
import { ConfigError, loadConfig } from '../config.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../lib/clock.js';
import { newSecret } from '../lib/ids.js';
import { createInvalidationBus } from '../modules/cache/cache-invalidation.js';
import { createDepartmentsService } from '../modules/departments/departments.service.js';
import { createUsersService } from '../modules/users/users.service.js';
import { createAuthService } from '../modules/auth/auth.service.js';
import type { SecurityLog } from '../modules/auth/security-log.js';
import { seedDemo } from './demo.js';

const USAGE = `Usage: npm run cli -- <command> [options]
  migrate                                   apply database migrations
  create-user --email E --name N --role R [--password P]
                                            roles: ${roleSchema.options.join(', ')}; a password is generated when none is given
  reset-password --email E [--password P]   set a new password (generated when none is given) and end the user's sessions
  demo                                      a demo hospital: GEN, LAB, PHA, BIL, counters and one user of each role`;

/** A mistake in the command line: reported as one line naming the option, without a stack. */
class UsageError extends Error {}

/** Parses an option's value, naming the option (not dumping the schema's issues) when it is wrong. */
function parseOption<T>(schema: ZodType<T>, value: unknown, option?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = option ?? String(issue.path[0] ?? 'input');
  const given = (value as Record<string, unknown> | undefined)?.[name];
  throw new UsageError(`--${name}: ${option === undefined && given === undefined ? 'is required' : issue.message}`);
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' } },
    allowPositionals: false,
  });
  if (!command || command === 'help' || command === '--help') {
    out(USAGE);
    return command ? 0 : 1;
  }
  const config = loadConfig();
  const database = createDatabase(config.database);
  // Running servers hear of what we change (a reset password ends sessions they hold in memory).
  const invalidation = await createInvalidationBus({
    redisUrl: config.redisUrl,
    database,
    onError: (error) => process.stderr.write(`Warning: ${error instanceof Error ? error.message : String(error)}\n`),
  }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  try {
    const applied = await migrateToLatest(database.db);
    // The command line's resets end sessions through the same service the server uses, so running
    // servers hear of it; its security events go to stderr with everything else it says.
    const security: SecurityLog = { record: (event) => process.stderr.write(`security ${event.type}${event.userId ? ` user ${event.userId}` : ''}\n`) };
    const sessions = createAuthService({ database, clock: systemClock, jwtSecret: config.jwtSecret, invalidation, security, session: config.session });
    const users = createUsersService({ database, clock: systemClock, invalidation, sessions, security });
    switch (command) {
      case 'migrate':
        out(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
        return 0;
      case 'create-user': {
        const password = values.password ?? newSecret(12);
        const input = parseOption(createUserBodySchema, { email: values.email, name: values.name, role: values.role, password });
        const user = await users.createUser(input);
        out(`Created ${user.role} ${user.email}${values.password ? '' : ` with password ${password}`}`);
        return 0;
      }
      case 'reset-password': {
        if (!values.email) throw new UsageError('--email: is required');
        const password = parseOption(passwordSchema, values.password ?? newSecret(12), 'password');
        await users.resetPassword(parseOption(emailSchema, values.email, 'email'), password);
        out(`Password reset for ${values.email}${values.password ? '' : `: ${password}`}; their sessions have ended.`);
        return 0;
      }
      case 'demo': {
        const departments = createDepartmentsService({ database, clock: systemClock, invalidation });
        for (const line of await seedDemo({ departments, users })) out(line);
        return 0;
      }
      default:
        out(`Unknown command "${command}".\n${USAGE}`);
        return 1;
    }
  } finally {
    await invalidation.close();
    await database.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`Error: ${message}\n`);
  process.exitCode = 1;
}
