import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** A setting that cannot be used; the message names it so the operator can fix that one line. */
export class ConfigError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`${setting}: ${message}`);
  }
}

const MIN_SECRET_BYTES = 32;
const MIN_ADMIN_PASSWORD_LENGTH = 12;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z.string().min(MIN_ADMIN_PASSWORD_LENGTH, `must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters`).max(128).optional(),
  TZ_QUEUE: z.string().default(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
  RATE_LIMIT_MULTIPLIER: z.coerce.number().positive().default(1),
  PUBLIC_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  JWT_SECRET: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code').default('IN'),
  TRUST_PROXY: z.string().optional(),
});

export type Database =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string };

export interface Config {
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  readonly database: Database;
  readonly redisUrl: string | undefined;
  readonly admin: { readonly email: string; readonly password: string | undefined } | undefined;
  readonly timeZone: string;
  readonly rateLimitMultiplier: number;
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly jwtSecret: Uint8Array;
  readonly logLevel: string;
  readonly defaultPhoneRegion: string;
  readonly trustProxy: string[] | false;
  readonly secureCookies: boolean;
}

function parseDatabaseUrl(url: string | undefined, dataDir: string): Database {
  if (!url) return { kind: 'sqlite', path: join(dataDir, 'smart-token.db') };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!path) throw new ConfigError('DATABASE_URL', 'sqlite: needs a file path, e.g. sqlite:./data/smart-token.db');
    return { kind: 'sqlite', path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url };
  throw new ConfigError('DATABASE_URL', `unknown scheme in "${url.split(':')[0]}:"; use sqlite:<path> or postgres://…`);
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Secrets come from the environment. In production a missing or short one stops the start; in
 * development one is generated once and kept in the data folder, so sessions survive restarts.
 */
function resolveJwtSecret(value: string | undefined, production: boolean, dataDir: string): Uint8Array {
  if (value !== undefined) {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length < MIN_SECRET_BYTES) throw new ConfigError('JWT_SECRET', `must be at least ${MIN_SECRET_BYTES} bytes`);
    return new Uint8Array(bytes);
  }
  if (production) throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production (at least 32 random bytes)');
  const file = join(dataDir, 'secrets.json');
  try {
    if (existsSync(file)) {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { jwtSecret?: unknown };
      const secret = typeof stored.jwtSecret === 'string' ? Buffer.from(stored.jwtSecret, 'base64') : undefined;
      if (!secret || secret.length < MIN_SECRET_BYTES) throw new Error(`${file} holds no usable jwtSecret; delete it to make a new one`);
      return new Uint8Array(secret);
    }
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(MIN_SECRET_BYTES);
    writeFileSync(file, JSON.stringify({ jwtSecret: secret.toString('base64') }), { mode: 0o600 });
    return new Uint8Array(secret);
  } catch (error) {
    // Without JWT_SECRET the data folder keeps the generated one: a folder we cannot use is a bad DATA_DIR.
    throw new ConfigError('DATA_DIR', `cannot keep the generated JWT secret there (${error instanceof Error ? error.message : String(error)}); fix the folder or set JWT_SECRET`);
  }
}

/** An empty variable (`PORT=` in an env file) means "not set", not an empty value. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''));
}

/** The only reader of process.env: parses every setting once and returns a frozen Config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (!isValidTimeZone(e.TZ_QUEUE)) throw new ConfigError('TZ_QUEUE', `"${e.TZ_QUEUE}" is not an IANA time zone`);
  if (e.ADMIN_PASSWORD && !e.ADMIN_EMAIL) throw new ConfigError('ADMIN_EMAIL', 'is required when ADMIN_PASSWORD is set');
  const dataDir = resolve(e.DATA_DIR);
  const publicUrl = (e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).replace(/\/$/, '');
  return Object.freeze({
    production,
    host: e.HOST,
    port: e.PORT,
    database: parseDatabaseUrl(e.DATABASE_URL, dataDir),
    redisUrl: e.REDIS_URL,
    admin: e.ADMIN_EMAIL ? { email: e.ADMIN_EMAIL.toLowerCase(), password: e.ADMIN_PASSWORD } : undefined,
    timeZone: e.TZ_QUEUE,
    rateLimitMultiplier: e.RATE_LIMIT_MULTIPLIER,
    publicUrl,
    dataDir,
    jwtSecret: resolveJwtSecret(e.JWT_SECRET, production, dataDir),
    logLevel: e.LOG_LEVEL,
    defaultPhoneRegion: e.DEFAULT_PHONE_REGION,
    trustProxy: e.TRUST_PROXY ? e.TRUST_PROXY.split(',').map((s) => s.trim()).filter(Boolean) : false,
    secureCookies: publicUrl.startsWith('https://'),
  });
}
