import { parseArgs } from 'node:util';
import type { ZodType } from 'zod';
import { roleSchema, createUserBodySchema, emailSchema, passwordSchema } from '@smart-token/contracts';
import { ConfigError, loadConfig } from '../config.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../lib/clock.js';
import { createInvalidationBus } from '../modules/cache/cache-invalidation.js';
import { createDepartmentsService } from '../modules/departments/departments.service.js';
import { createUsersService } from '../modules/users/users.service.js';
import { createAuthService } from '../modules/auth/auth.service.js';
import { createPasswordPolicy, generatedPassword } from '../modules/auth/password-policy.js';
import { createSettingsService } from '../modules/settings/settings.service.js';
import type { SecurityLog } from '../modules/auth/security-log.js';
import { AUDIT_BROKEN_EXIT, auditVerify } from './audit.js';
import { createAuditTrail } from '../modules/audit/audit.service.js';
import { auditEntryOfSecurityEvent } from '../modules/audit/security-events.js';
import { seedDemo } from './demo.js';
import { keysRotateCommand } from '../modules/keys/rotate-command.js';
import { backupCommand, restoreCommand } from '../modules/backups/commands.js';
import { PUBLIC_PREFIX, PUBLIC_ROUTES, ROLE_MATRIX } from '../modules/role-matrix.js';

const USAGE = `Usage: npm run cli -- <command> [options]
  migrate                                   apply database migrations
  create-user --email E --name N --role R [--password P]
                                            roles: ${roleSchema.options.join(', ')}; a password is generated when none is given
  reset-password --email E [--password P]   set a new password (generated when none is given) and end the user's sessions
  reset-2fa --email E                       turn off a user's two-step sign-in (a lost phone and lost recovery codes) and end their sessions
  demo                                      a demo hospital: GEN, LAB, PHA, BIL, counters and one user of each role
  roles                                     the role matrix: which roles may call each route, and the public routes
  backup                                    an encrypted backup while the servers run; prints its path (manifest beside it)
  restore <path>                            check a backup (checksum, key, audit trail), then replace the database with it;
                                            stop the servers first
  audit verify                              check the audit trail's chain and signed checkpoints; exit 0 when whole,
                                            ${AUDIT_BROKEN_EXIT} naming the first edited, missing or reordered entry
  keys rotate                               a new data key for patients' data, everything re-encrypted under it in batches
                                            while the servers run (run again to resume); the blind-index key is not rotated`;

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

/** What a command says besides its result (`backup` prints only the file's path on stdout, for scripts). */
function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The role matrix as a table: one route a line, a column per role (x: allowed), then the public routes. */
function roleMatrixTable(): string[] {
  const roles = roleSchema.options;
  const routes = Object.keys(ROLE_MATRIX).sort((a, b) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!) || a.localeCompare(b));
  const width = Math.max(...routes.map((r) => r.length), 'route'.length);
  const row = (first: string, cells: string[]) => [first.padEnd(width), ...cells.map((c, i) => c.padEnd(roles[i]!.length))].join('  ').trimEnd();
  return [
    row('route', [...roles]),
    row('-'.repeat(width), roles.map((r) => '-'.repeat(r.length))),
    ...routes.map((route) => row(route, roles.map((role) => (ROLE_MATRIX[route]!.includes(role) ? 'x' : '.')))),
    '',
    `Public (no sign-in): every route under ${PUBLIC_PREFIX}, and`,
    ...PUBLIC_ROUTES.map((route) => `  ${route}`),
  ];
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Commands with a subcommand (`audit verify`, `keys rotate`) take it before their options.
  const subcommand = command === 'audit' || command === 'keys' ? rest.shift() : undefined;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' } },
    // Only `restore <path>` takes an argument without an option name.
    allowPositionals: command === 'restore',
  });
  if (!command || command === 'help' || command === '--help') {
    out(USAGE);
    return command ? 0 : 1;
  }
  // The table is in the code: no settings or database needed to print it.
  if (command === 'roles') {
    roleMatrixTable().forEach(out);
    return 0;
  }
  const config = loadConfig();
  // Backups open the database their own way: restore must not hold (or even migrate) the database it replaces.
  if (command === 'backup') return backupCommand(config, out, err);
  if (command === 'restore') {
    if (positionals.length > 1) throw new UsageError('restore takes one backup path');
    return restoreCommand(config, positionals[0], out, err);
  }
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
  // What the command line changes goes into the audit trail like the server's changes, chained before it exits.
  const audit = createAuditTrail({ database, clock: systemClock, key: config.audit.key, onError: (error) => process.stderr.write(`Warning: audit trail: ${String(error)}\n`) });
  try {
    const applied = await migrateToLatest(database.db);
    // The command line's resets end sessions through the same service the server uses, so running
    // servers hear of it; its security events go to stderr with everything else it says.
    const security: SecurityLog = {
      record: (event) => {
        process.stderr.write(`security ${event.type}${event.userId ? ` user ${event.userId}` : ''}\n`);
        const entry = auditEntryOfSecurityEvent(event);
        if (entry) audit.note(entry);
      },
    };
    const settings = createSettingsService({ database, clock: systemClock, publicUrl: config.publicUrl, invalidation, audit });
    const passwordPolicy = createPasswordPolicy(config.passwordPolicy, async () => [(await settings.branding()).clinicName]);
    const sessions = createAuthService({ database, clock: systemClock, jwtSecret: config.jwtSecret, invalidation, security, session: config.session, passwordPolicy });
    const users = createUsersService({ database, clock: systemClock, invalidation, sessions, security, passwordPolicy, audit });
    switch (command) {
      case 'migrate':
        out(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
        return 0;
      case 'create-user': {
        const password = values.password ?? generatedPassword(config.passwordPolicy);
        const input = parseOption(createUserBodySchema, { email: values.email, name: values.name, role: values.role, password });
        const user = await users.createUser(input);
        out(`Created ${user.role} ${user.email}${values.password ? '' : ` with password ${password}`}`);
        return 0;
      }
      case 'reset-password': {
        if (!values.email) throw new UsageError('--email: is required');
        const password = parseOption(passwordSchema, values.password ?? generatedPassword(config.passwordPolicy), 'password');
        await users.resetPassword(parseOption(emailSchema, values.email, 'email'), password);
        out(`Password reset for ${values.email}${values.password ? '' : `: ${password}`}; their sessions have ended.`);
        return 0;
      }
      case 'reset-2fa': {
        if (!values.email) throw new UsageError('--email: is required');
        await users.resetTwoFactor(parseOption(emailSchema, values.email, 'email'));
        out(`Two-step sign-in is off for ${values.email}; their sessions have ended. An admin sets it up again at the next sign-in.`);
        return 0;
      }
      case 'demo': {
        const departments = createDepartmentsService({ database, clock: systemClock, invalidation, audit });
        for (const line of await seedDemo({ departments, users })) out(line);
        return 0;
      }
      case 'audit':
        if (subcommand !== 'verify') throw new UsageError(`audit ${subcommand ?? ''}: unknown; use "audit verify"`);
        return await auditVerify(database, config, out);
      case 'keys':
        if (subcommand !== 'rotate') throw new UsageError(`keys ${subcommand ?? ''}: unknown; use "keys rotate"`);
        return await keysRotateCommand({ database, config, invalidation, audit, out });
      default:
        out(`Unknown command "${command}".\n${USAGE}`);
        return 1;
    }
  } finally {
    await audit.settle().catch((error: unknown) => process.stderr.write(`Warning: audit trail: ${error instanceof Error ? error.message : String(error)}\n`));
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
