import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
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
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z.string().min(MIN_ADMIN_PASSWORD_LENGTH, `must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters`).max(128).optional(),
  TZ_QUEUE: z.string().default(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
  RATE_LIMIT_MULTIPLIER: z.coerce.number().positive().default(1),
  PUBLIC_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  JWT_SECRET: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  DEFAULT_PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code').default('IN'),
  TRUST_PROXY: z.string().optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  SESSION_MAX_HOURS: z.coerce.number().min(1).max(7 * 24).default(12),
});

export type Database =
  | { kind: 'sqlite'; path: string }
  /** poolSize: connections per instance to PostgreSQL (DATABASE_POOL_SIZE; db/database.ts has the default). */
  | { kind: 'postgres'; url: string; poolSize?: number };

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
  /** How publicUrl was chosen, so the start can say whether phones will reach it. */
  readonly publicUrlSource: PublicUrlSource;
  readonly dataDir: string;
  readonly jwtSecret: Uint8Array;
  readonly logLevel: string;
  /** One readable line per entry for a person at a terminal, or JSON lines for a log collector. */
  readonly logFormat: 'pretty' | 'json';
  readonly defaultPhoneRegion: string;
  readonly trustProxy: string[] | false;
  readonly secureCookies: boolean;
  /** A session ends after this long without a request, and after `maxMs` whatever it does. */
  readonly session: { readonly idleMs: number; readonly maxMs: number };
}

/**
 * Where status links and QR codes point, and why:
 * - `PUBLIC_URL`: the operator said so;
 * - `lan`: HOST listens on every interface, so this machine's LAN address (a phone on the Wi-Fi reaches it);
 * - `loopback`: HOST is this machine only, so no phone can reach the links (the start says how to fix it);
 * - `no-lan`: HOST listens on every interface but the machine has no LAN address (no network yet);
 * - `host`: HOST is a specific address, used as it is.
 */
export type PublicUrlSource = 'PUBLIC_URL' | 'lan' | 'loopback' | 'no-lan' | 'host';

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

/** Bridges of containers and virtual machines: their addresses are not on the clinic's Wi-Fi. */
const VIRTUAL_INTERFACE = /^(docker|br-|veth|virbr|vboxnet|vmnet|cni|flannel|podman|lxc|lxd)/i;
/** Home and clinic routers hand out 192.168/16 most often, then 10/8, then 172.16/12. */
const PRIVATE_RANKS = [/^192\.168\./, /^10\./, /^172\.(1[6-9]|2\d|3[01])\./];

/** The machine's IPv4 address phones on the local network most likely reach; undefined when it has none. */
export function lanAddress(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  const candidates = Object.entries(interfaces)
    .filter(([name]) => !VIRTUAL_INTERFACE.test(name))
    .flatMap(([, list]) => list ?? [])
    .filter((i) => i.family === 'IPv4' && !i.internal && !i.address.startsWith('169.254.'))
    .map((i) => i.address);
  const rank = (a: string) => {
    const found = PRIVATE_RANKS.findIndex((r) => r.test(a));
    return found === -1 ? PRIVATE_RANKS.length : found;
  };
  return candidates.sort((a, b) => rank(a) - rank(b))[0];
}

/** The base of status links and QR codes (no trailing slash) and how it was chosen. */
export function choosePublicUrl(
  input: { host: string; port: number; publicUrl: string | undefined },
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): { url: string; source: PublicUrlSource } {
  if (input.publicUrl) return { url: input.publicUrl.replace(/\/+$/, ''), source: 'PUBLIC_URL' };
  const at = (host: string) => `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${input.port}`;
  if (ANY_ADDRESS.has(input.host)) {
    const lan = lanAddress(interfaces);
    return lan ? { url: at(lan), source: 'lan' } : { url: at('localhost'), source: 'no-lan' };
  }
  if (LOOPBACK.test(input.host)) return { url: at(input.host), source: 'loopback' };
  return { url: at(input.host), source: 'host' };
}

function parseDatabaseUrl(url: string | undefined, dataDir: string, poolSize: number | undefined): Database {
  if (!url) return { kind: 'sqlite', path: join(dataDir, 'smart-token.db') };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!path) throw new ConfigError('DATABASE_URL', 'sqlite: needs a file path, e.g. sqlite:./data/smart-token.db');
    return { kind: 'sqlite', path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url, ...(poolSize !== undefined && { poolSize }) };
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
export function loadConfig(env: NodeJS.ProcessEnv = process.env, machine: { interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>; terminal?: boolean } = {}): Config {
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
  const { url: publicUrl, source: publicUrlSource } = choosePublicUrl({ host: e.HOST, port: e.PORT, publicUrl: e.PUBLIC_URL }, machine.interfaces ?? networkInterfaces());
  return Object.freeze({
    production,
    host: e.HOST,
    port: e.PORT,
    database: parseDatabaseUrl(e.DATABASE_URL, dataDir, e.DATABASE_POOL_SIZE),
    redisUrl: e.REDIS_URL,
    admin: e.ADMIN_EMAIL ? { email: e.ADMIN_EMAIL.toLowerCase(), password: e.ADMIN_PASSWORD } : undefined,
    timeZone: e.TZ_QUEUE,
    rateLimitMultiplier: e.RATE_LIMIT_MULTIPLIER,
    publicUrl,
    publicUrlSource,
    dataDir,
    jwtSecret: resolveJwtSecret(e.JWT_SECRET, production, dataDir),
    logLevel: e.LOG_LEVEL,
    // A person reading a terminal gets readable lines; a pipe (systemd, a container, a test) gets JSON.
    logFormat: e.LOG_FORMAT ?? ((machine.terminal ?? process.stdout.isTTY) ? 'pretty' : 'json'),
    defaultPhoneRegion: e.DEFAULT_PHONE_REGION,
    trustProxy: e.TRUST_PROXY ? e.TRUST_PROXY.split(',').map((s) => s.trim()).filter(Boolean) : false,
    secureCookies: publicUrl.startsWith('https://'),
    session: { idleMs: e.SESSION_IDLE_MINUTES * 60_000, maxMs: e.SESSION_MAX_HOURS * 60 * 60_000 },
  });
}
