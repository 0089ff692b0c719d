import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { MAX_LOGO_BYTES, MAX_PASSWORD_LENGTH } from '@smart-token/contracts';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicySettings } from './modules/auth/password-policy.js';
import { parseCidr, type AddressLists } from './plugins/address-lists.js';

/** A setting that cannot be used; the message names it so the operator can fix that one line. */
export class ConfigError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`${setting}: ${message}`);
  }
}

const MIN_SECRET_BYTES = 32;

/** Every setting the server reads (README's table and .env.example list each one). */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z.string().max(MAX_PASSWORD_LENGTH).optional(),
  TZ_QUEUE: z.string().default(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
  RATE_LIMIT_MULTIPLIER: z.coerce.number().positive().default(1),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  RATE_LIMIT_STAFF_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
  RATE_LIMIT_LOGIN_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(5),
  RATE_LIMIT_CHECK_IN_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(3),
  RATE_LIMIT_STATUS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
  PUBLIC_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  JWT_SECRET: z.string().optional(),
  MASTER_KEY: z.string().optional(),
  MASTER_KEY_FILE: z.string().optional(),
  AUDIT_KEY: z.string().optional(),
  AUDIT_CHECKPOINT_DIR: z.string().optional(),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(365).max(36_500).default(6 * 365),
  PATIENT_DATA_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),
  BACKUP_DIR: z.string().optional(),
  BACKUP_SCHEDULE: z.enum(['daily', 'off']).default('daily'),
  BACKUP_KEEP_DAILY: z.coerce.number().int().min(1).max(366).default(7),
  BACKUP_KEEP_WEEKLY: z.coerce.number().int().min(0).max(520).default(4),
  BACKUP_KEEP_MONTHLY: z.coerce.number().int().min(0).max(1200).default(12),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  DEFAULT_PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code').default('IN'),
  TRUST_PROXY: z.string().optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  SESSION_MAX_HOURS: z.coerce.number().min(1).max(7 * 24).default(12),
  REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
  HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(10),
  ALLOWED_HOSTS: z.string().optional(),
  SECURITY_INPUT_DETECTION: z.enum(['off', 'log', 'enforce']).default('log'),
  LIVE_SOCKETS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(500),
  CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(1000),
  CORS_ORIGINS: z.string().optional(),
  DENY_CIDRS: z.string().optional(),
  STAFF_ALLOW_CIDRS: z.string().optional(),
  ADMIN_ALLOW_CIDRS: z.string().optional(),
  JOIN_CODE_ROTATION: z.enum(['daily', 'hourly']).default('daily'),
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(12, 'must be at least 12 (the floor for staff accounts)').max(64).default(DEFAULT_PASSWORD_POLICY.minLength),
  PASSWORD_MIN_SCORE: z.coerce.number().int().min(3, 'must be 3 ("safely unguessable") or 4').max(4).default(DEFAULT_PASSWORD_POLICY.minScore),
  JSON_BODY_LIMIT_KB: z.coerce.number().int().min(16).max(1024).default(100),
  LOGO_MAX_KB: z.coerce.number().int().min(8).max(MAX_LOGO_BYTES / 1024).default(MAX_LOGO_BYTES / 1024),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC followed by 32 hex digits)').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16).max(128).optional(),
  TWILIO_FROM_SMS: z.string().max(32).optional(),
  TWILIO_FROM_WHATSAPP: z.string().max(32).optional(),
  TWILIO_API_URL: z.string().url().default('https://api.twilio.com'),
  NOTIFICATION_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  NOTIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
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
  /** Requests a minute for routes without a limit of their own, before the multiplier (plugins/rate-limit.ts). */
  readonly defaultRateLimits: { readonly anonymous: number; readonly staff: number };
  /**
   * Requests a minute, before the multiplier, per address and target: sign-in per account, self
   * check-in per phone, a patient's status lookup per token (RATE_LIMIT_*_PER_MINUTE).
   */
  readonly routeRateLimits: { readonly login: number; readonly checkIn: number; readonly status: number };
  readonly publicUrl: string;
  /** How publicUrl was chosen, so the start can say whether phones will reach it. */
  readonly publicUrlSource: PublicUrlSource;
  readonly dataDir: string;
  readonly jwtSecret: Uint8Array;
  /**
   * The key-encryption key (MASTER_KEY or MASTER_KEY_FILE; in development the one kept in the data
   * folder's secrets file, if any). It wraps the data keys that encrypt patients' identifiers; the
   * keyring (modules/keys) refuses to open a database holding keys it cannot unwrap, and makes one
   * only for a database with none. Undefined: not given and none kept yet.
   */
  readonly masterKey: Uint8Array | undefined;
  /** Where development keeps generated secrets (jwtSecret, masterKey, auditKey): DATA_DIR/secrets.json. */
  readonly secretsFile: string;
  /**
   * The audit trail: the key of its HMAC chain (AUDIT_KEY; generated in development), an optional
   * second folder for signed checkpoints, and how long its files are kept (AUDIT_RETENTION_DAYS).
   */
  readonly audit: { readonly key: Uint8Array; readonly checkpointDir: string | undefined; readonly retentionDays: number };
  /** Completed visits' names and phones are erased after this many days (0: never); numbers and times stay. */
  readonly patientDataRetentionDays: number;
  /** Encrypted backups: where (BACKUP_DIR), whether the server takes one daily, and how many of each age it keeps. */
  readonly backups: { readonly dir: string; readonly schedule: 'daily' | 'off'; readonly keep: { readonly daily: number; readonly weekly: number; readonly monthly: number } };
  readonly logLevel: string;
  /** One readable line per entry for a person at a terminal, or JSON lines for a log collector. */
  readonly logFormat: 'pretty' | 'json';
  readonly defaultPhoneRegion: string;
  readonly trustProxy: string[] | false;
  readonly secureCookies: boolean;
  /** A session ends after this long without a request, and after `maxMs` whatever it does. */
  readonly session: { readonly idleMs: number; readonly maxMs: number };
  /** How often a `phone` department's join code changes, unless the department says otherwise. */
  readonly joinCodeRotation: 'daily' | 'hourly';
  /**
   * Slow clients: a request's headers must arrive within `headersMs` and the whole request (body
   * included) within `requestMs`, or it gets 408 and its connection closes (slowloris, dribbled bodies).
   */
  readonly timeouts: { readonly headersMs: number; readonly requestMs: number; /** An idle kept-alive connection closes after this (KEEP_ALIVE_TIMEOUT_SECONDS). */ readonly keepAliveMs: number };
  /**
   * Host names a request may be addressed to (ALLOWED_HOSTS, plus PUBLIC_URL's host when it is set);
   * another `Host` gets 400 (DNS rebinding, poisoned links). Required in production; empty in
   * development means any host (a laptop reached on a LAN by its address).
   */
  readonly allowedHosts: readonly string[];
  /** Origins of other sites that may call the API with credentials (CORS_ORIGINS); empty: same origin only. */
  readonly corsOrigins: readonly string[];
  /** DENY_CIDRS, STAFF_ALLOW_CIDRS, ADMIN_ALLOW_CIDRS (plugins/address-lists.ts). */
  readonly addressLists: AddressLists;
  /** The suspicious-input detector (plugins/input-detector.ts): off, log (default) or enforce. */
  readonly inputDetection: 'off' | 'log' | 'enforce';
  /** Open live sockets one address may hold (a waiting room's phones share the Wi-Fi's address). */
  readonly liveSocketsPerAddress: number;
  /** Open TCP connections one address may hold (trusted proxies exempt): plugins/connection-cap.ts. */
  readonly connectionsPerAddress: number;
  /** PASSWORD_MIN_LENGTH (12–64) and PASSWORD_MIN_SCORE (zxcvbn, 3 or 4): modules/auth/password-policy.ts. */
  readonly passwordPolicy: PasswordPolicySettings;
  /** Largest JSON body a route takes unless it says otherwise (JSON_BODY_LIMIT_KB), and largest logo (LOGO_MAX_KB). */
  readonly uploadLimits: { readonly jsonBodyBytes: number; readonly logoBytes: number };
  /**
   * Patient messages (modules/notifications): Twilio from the environment (else the admin screen's,
   * else the outbox log file), Twilio's API address (a local fake in tests), and the retry policy.
   */
  readonly notifications: {
    readonly twilio: { readonly accountSid: string; readonly authToken: string; readonly fromSms: string | null; readonly fromWhatsapp: string | null } | undefined;
    readonly twilioApiUrl: string;
    readonly outboxFile: string;
    readonly retryBaseMs: number;
    readonly maxAttempts: number;
  };
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

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * TRUST_PROXY names the proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed.
 * "Trust everything" (`true`, `*`, a hop count) would let any client forge the address that
 * rate limits, lockouts and the audit trail rely on: refused.
 */
function parseTrustedProxies(value: string): string[] {
  const entries = list(value);
  for (const entry of entries) {
    if (!parseCidr(entry)) {
      throw new ConfigError('TRUST_PROXY', `"${entry.slice(0, 60)}" is not an address or CIDR range; list the proxies' addresses, e.g. TRUST_PROXY=10.0.0.5,10.0.1.0/24 (never "trust everything")`);
    }
  }
  return entries;
}

/** A host name as the Host header carries it, without the port, lower-cased. */
export function hostnameOf(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  const colon = value.lastIndexOf(':');
  return colon === -1 || value.indexOf(':') !== colon ? value : value.slice(0, colon);
}

function parseAllowedHosts(value: string | undefined, publicUrl: string | undefined, production: boolean): string[] {
  const hosts = list(value).map(hostnameOf);
  if (production && hosts.length === 0) {
    throw new ConfigError('ALLOWED_HOSTS', 'is empty; in production list the host names the clinic is reached by, e.g. ALLOWED_HOSTS=queue.clinic.example,10.0.0.20');
  }
  // The address patients are given is always allowed once the check is on.
  if (hosts.length > 0 && publicUrl) hosts.push(hostnameOf(new URL(publicUrl).host));
  return [...new Set(hosts)];
}

function parseCidrList(setting: string, value: string | undefined): string[] {
  const entries = list(value);
  for (const entry of entries) {
    if (!parseCidr(entry)) throw new ConfigError(setting, `"${entry.slice(0, 60)}" is not an address or CIDR range, e.g. 10.0.0.0/8 or 2001:db8::/32`);
  }
  return entries;
}

/** Exact origins (`https://portal.clinic.example`); `*` is never allowed, as the API works with credentials. */
function parseCorsOrigins(value: string | undefined): string[] {
  return list(value).map((origin) => {
    if (origin === '*' || origin.includes('*')) {
      throw new ConfigError('CORS_ORIGINS', 'must list exact origins; "*" would let any site use a signed-in browser\'s credentials');
    }
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError('CORS_ORIGINS', `"${origin.slice(0, 60)}" is not an origin like https://portal.clinic.example`);
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError('CORS_ORIGINS', `"${origin.slice(0, 60)}" is not an origin like https://portal.clinic.example (scheme, host and port only)`);
    }
    return url.origin;
  });
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
/** Fewer different characters than this is a typed pattern, not random bytes (48 random base64 characters have ~35). */
const MIN_SECRET_DISTINCT_CHARACTERS = 12;
const PLACEHOLDER = /change.?me|example|placeholder|your.?(jwt.?)?secret|secret.?here|replace.?(me|this)|0123456789|abcdefgh|qwerty|xxxxxxxx/i;

/** Why a production secret is plainly not a secret (a copied example, a typed pattern), or undefined. */
function placeholderWeakness(value: string): string | undefined {
  if (PLACEHOLDER.test(value)) return 'looks like an example or placeholder value, not a secret';
  if (new Set(value).size < MIN_SECRET_DISTINCT_CHARACTERS) return 'is not random (too few different characters)';
  return undefined;
}

/** The development secrets file: generated secrets by name, kept across restarts. */
function readSecretsFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const stored: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof stored !== 'object' || stored === null) throw new Error(`${file} is not a JSON object; delete it to make new secrets`);
  return stored as Record<string, unknown>;
}

/** Adds one generated secret to the development secrets file (0600, in a 0700 folder). */
export function keepGeneratedSecret(file: string, name: string, secret: Buffer): void {
  const stored = readSecretsFile(file);
  // The folder holds patients' data and these secrets: this user's only (as db/database.ts makes it).
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify({ ...stored, [name]: secret.toString('base64') }), { mode: 0o600 });
}

/** A secret kept in the development secrets file, if there is a usable one. */
function keptSecret(file: string, name: string): Uint8Array | undefined {
  const value = readSecretsFile(file)[name];
  if (value === undefined) return undefined;
  const secret = typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
  if (!secret || secret.length < MIN_SECRET_BYTES) throw new Error(`${file} holds no usable ${name}; delete it to make a new one`);
  return new Uint8Array(secret);
}

/** A secret given in the environment: long enough, and in production not a copied example. */
function givenSecret(setting: string, value: string, production: boolean): Uint8Array {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length < MIN_SECRET_BYTES) throw new ConfigError(setting, `must be at least ${MIN_SECRET_BYTES} bytes`);
  const weakness = production ? placeholderWeakness(value) : undefined;
  if (weakness) throw new ConfigError(setting, `${weakness}; generate one with: openssl rand -base64 48`);
  return new Uint8Array(bytes);
}

/**
 * A secret from the environment; in development, without one, the secrets file's (made on first
 * use when `generate`). In production a missing one stops the start.
 */
function resolveSecret(setting: string, name: string, value: string | undefined, production: boolean, file: string, generate = true): Uint8Array | undefined {
  if (value !== undefined) return givenSecret(setting, value, production);
  if (production) throw new ConfigError(setting, 'is required when NODE_ENV=production (at least 32 random bytes)');
  try {
    const kept = keptSecret(file, name);
    if (kept || !generate) return kept;
    const secret = randomBytes(MIN_SECRET_BYTES);
    keepGeneratedSecret(file, name, secret);
    return new Uint8Array(secret);
  } catch (error) {
    // Without the setting the data folder keeps the generated one: a folder we cannot use is a bad DATA_DIR.
    throw new ConfigError('DATA_DIR', `cannot keep the generated ${setting} there (${error instanceof Error ? error.message : String(error)}); fix the folder or set ${setting}`);
  }
}

/** MASTER_KEY, or the contents of MASTER_KEY_FILE (a secrets manager's mounted file), or development's kept one. */
function resolveMasterKey(e: { MASTER_KEY?: string | undefined; MASTER_KEY_FILE?: string | undefined }, production: boolean, file: string): Uint8Array | undefined {
  if (e.MASTER_KEY !== undefined && e.MASTER_KEY_FILE !== undefined) throw new ConfigError('MASTER_KEY_FILE', 'set MASTER_KEY or MASTER_KEY_FILE, not both');
  if (e.MASTER_KEY_FILE === undefined) return resolveSecret('MASTER_KEY', 'masterKey', e.MASTER_KEY, production, file, false);
  let text: string;
  try {
    text = readFileSync(e.MASTER_KEY_FILE, 'utf8').trim();
  } catch (error) {
    throw new ConfigError('MASTER_KEY_FILE', `cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
  return givenSecret('MASTER_KEY_FILE', text, production);
}

/** The names of every setting, for the check that .env.example lists them all. */
export const SETTING_NAMES: readonly string[] = Object.keys(envSchema.shape);

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
  if (e.ADMIN_PASSWORD && e.ADMIN_PASSWORD.length < e.PASSWORD_MIN_LENGTH) throw new ConfigError('ADMIN_PASSWORD', `must be at least ${e.PASSWORD_MIN_LENGTH} characters`);
  const dataDir = resolve(e.DATA_DIR);
  const secretsFile = join(dataDir, 'secrets.json');
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
    defaultRateLimits: { anonymous: e.RATE_LIMIT_ANONYMOUS_PER_MINUTE, staff: e.RATE_LIMIT_STAFF_PER_MINUTE },
    routeRateLimits: { login: e.RATE_LIMIT_LOGIN_PER_MINUTE, checkIn: e.RATE_LIMIT_CHECK_IN_PER_MINUTE, status: e.RATE_LIMIT_STATUS_PER_MINUTE },
    publicUrl,
    publicUrlSource,
    dataDir,
    jwtSecret: resolveSecret('JWT_SECRET', 'jwtSecret', e.JWT_SECRET, production, secretsFile)!,
    masterKey: resolveMasterKey(e, production, secretsFile),
    secretsFile,
    audit: {
      key: resolveSecret('AUDIT_KEY', 'auditKey', e.AUDIT_KEY, production, secretsFile)!,
      checkpointDir: e.AUDIT_CHECKPOINT_DIR ? resolve(e.AUDIT_CHECKPOINT_DIR) : undefined,
      retentionDays: e.AUDIT_RETENTION_DAYS,
    },
    patientDataRetentionDays: e.PATIENT_DATA_RETENTION_DAYS,
    backups: {
      dir: resolve(e.BACKUP_DIR ?? join(dataDir, 'backups')),
      schedule: e.BACKUP_SCHEDULE,
      keep: { daily: e.BACKUP_KEEP_DAILY, weekly: e.BACKUP_KEEP_WEEKLY, monthly: e.BACKUP_KEEP_MONTHLY },
    },
    logLevel: e.LOG_LEVEL,
    // A person reading a terminal gets readable lines; a pipe (systemd, a container, a test) gets JSON.
    logFormat: e.LOG_FORMAT ?? ((machine.terminal ?? process.stdout.isTTY) ? 'pretty' : 'json'),
    defaultPhoneRegion: e.DEFAULT_PHONE_REGION,
    trustProxy: e.TRUST_PROXY ? parseTrustedProxies(e.TRUST_PROXY) : false,
    secureCookies: publicUrl.startsWith('https://'),
    session: { idleMs: e.SESSION_IDLE_MINUTES * 60_000, maxMs: e.SESSION_MAX_HOURS * 60 * 60_000 },
    joinCodeRotation: e.JOIN_CODE_ROTATION,
    // Node requires headers no later than the whole request.
    timeouts: {
      headersMs: Math.min(e.HEADERS_TIMEOUT_SECONDS, e.REQUEST_TIMEOUT_SECONDS) * 1000,
      requestMs: e.REQUEST_TIMEOUT_SECONDS * 1000,
      keepAliveMs: e.KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
    },
    allowedHosts: parseAllowedHosts(e.ALLOWED_HOSTS, e.PUBLIC_URL, production),
    corsOrigins: parseCorsOrigins(e.CORS_ORIGINS),
    addressLists: { deny: parseCidrList('DENY_CIDRS', e.DENY_CIDRS), staff: parseCidrList('STAFF_ALLOW_CIDRS', e.STAFF_ALLOW_CIDRS), admin: parseCidrList('ADMIN_ALLOW_CIDRS', e.ADMIN_ALLOW_CIDRS) },
    inputDetection: e.SECURITY_INPUT_DETECTION,
    liveSocketsPerAddress: e.LIVE_SOCKETS_PER_ADDRESS,
    connectionsPerAddress: e.CONNECTIONS_PER_ADDRESS,
    passwordPolicy: { minLength: e.PASSWORD_MIN_LENGTH, minScore: e.PASSWORD_MIN_SCORE },
    uploadLimits: { jsonBodyBytes: e.JSON_BODY_LIMIT_KB * 1024, logoBytes: e.LOGO_MAX_KB * 1024 },
    notifications: {
      twilio: twilioOf(e),
      twilioApiUrl: e.TWILIO_API_URL.replace(/\/+$/, ''),
      outboxFile: join(dataDir, 'notifications-outbox.log'),
      retryBaseMs: e.NOTIFICATION_RETRY_BASE_MS,
      maxAttempts: e.NOTIFICATION_MAX_ATTEMPTS,
    },
  });
}

/** Twilio from the environment: the account and its token together, and at least one sender. */
function twilioOf(e: z.infer<typeof envSchema>): Config['notifications']['twilio'] {
  if (!e.TWILIO_ACCOUNT_SID && !e.TWILIO_AUTH_TOKEN) return undefined;
  if (!e.TWILIO_ACCOUNT_SID) throw new ConfigError('TWILIO_ACCOUNT_SID', 'is required when TWILIO_AUTH_TOKEN is set');
  if (!e.TWILIO_AUTH_TOKEN) throw new ConfigError('TWILIO_AUTH_TOKEN', 'is required when TWILIO_ACCOUNT_SID is set');
  if (!e.TWILIO_FROM_SMS && !e.TWILIO_FROM_WHATSAPP) throw new ConfigError('TWILIO_FROM_SMS', 'or TWILIO_FROM_WHATSAPP is required: the number messages come from');
  return { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN, fromSms: e.TWILIO_FROM_SMS ?? null, fromWhatsapp: e.TWILIO_FROM_WHATSAPP ?? null };
}
