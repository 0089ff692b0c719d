import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, SETTING_NAMES, choosePublicUrl, loadConfig } from './config.js';
import { startRefused as startRefusedServer } from './test/child-server.js';

const GOOD_SECRET = 'a-production-secret-of-at-least-32-bytes!';
const GOOD_MASTER_KEY = 'Qm9vayBvZiB0aGUgbWFzdGVyIGtleSwgMzIgYnl0ZXMrIQ';
const GOOD_AUDIT_KEY = 'YXVkaXQtY2hhaW4ta2V5LW9mLWF0LWxlYXN0LTMyLWJ5dGVz';
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'smart-token-config-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A complete, valid environment; each test spoils one setting. */
function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { DATA_DIR: tempDir(), JWT_SECRET: GOOD_SECRET, MASTER_KEY: GOOD_MASTER_KEY, AUDIT_KEY: GOOD_AUDIT_KEY, TZ_QUEUE: 'Asia/Kolkata', ...overrides };
}

function configErrorOf(values: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(values);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('reads a complete environment into a frozen config', () => {
    const config = loadConfig(env({ PORT: '8080', DATABASE_URL: 'postgres://u@db.example/queue', REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMIT_MULTIPLIER: '2.5' }));
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      database: { kind: 'postgres', url: 'postgres://u@db.example/queue' },
      redisUrl: 'redis://127.0.0.1:6379',
      timeZone: 'Asia/Kolkata',
      rateLimitMultiplier: 2.5,
      production: false,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('defaults to port 3000 and an SQLite file in the data folder', () => {
    const values = env();
    const config = loadConfig(values);
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ kind: 'sqlite', path: join(values.DATA_DIR!, 'smart-token.db') });
  });

  it('reads sqlite:<path> as an SQLite file', () => {
    expect(loadConfig(env({ DATABASE_URL: 'sqlite:/var/lib/st/queue.db' })).database).toEqual({ kind: 'sqlite', path: '/var/lib/st/queue.db' });
  });

  it('refuses an unknown DATABASE_URL scheme, naming DATABASE_URL', () => {
    const error = configErrorOf(env({ DATABASE_URL: 'mysql://root@localhost/queue' }));
    expect(error.setting).toBe('DATABASE_URL');
    expect(error.message).toMatch(/^DATABASE_URL: /);
    expect(error.message).toContain('mysql');
  });

  it('refuses sqlite: without a path, naming DATABASE_URL', () => {
    expect(configErrorOf(env({ DATABASE_URL: 'sqlite:' })).setting).toBe('DATABASE_URL');
  });

  it.each(['abc', '70000', '-1', '80.5'])('refuses PORT=%s, naming PORT', (port) => {
    expect(configErrorOf(env({ PORT: port })).setting).toBe('PORT');
  });

  it('treats an empty variable as unset rather than as a value', () => {
    const config = loadConfig(env({ PORT: '', DATABASE_URL: '', ADMIN_EMAIL: '' }));
    expect(config.port).toBe(3000);
    expect(config.database.kind).toBe('sqlite');
    expect(config.admin).toBeUndefined();
  });

  it('refuses a TZ_QUEUE that is not an IANA zone, naming TZ_QUEUE', () => {
    const error = configErrorOf(env({ TZ_QUEUE: 'Mars/Olympus_Mons' }));
    expect(error.setting).toBe('TZ_QUEUE');
    expect(error.message).toContain('Mars/Olympus_Mons');
  });

  it('refuses an ADMIN_PASSWORD shorter than 12 characters, naming ADMIN_PASSWORD', () => {
    const error = configErrorOf(env({ ADMIN_EMAIL: 'boss@clinic.test', ADMIN_PASSWORD: 'short-pw' }));
    expect(error.setting).toBe('ADMIN_PASSWORD');
    expect(error.message).not.toContain('short-pw');
  });

  it('holds the password policy: PASSWORD_MIN_LENGTH 12–64 and PASSWORD_MIN_SCORE 3–4, and ADMIN_PASSWORD meets the length', () => {
    expect(loadConfig(env()).passwordPolicy).toEqual({ minLength: 12, minScore: 3 });
    expect(loadConfig(env({ PASSWORD_MIN_LENGTH: '16', PASSWORD_MIN_SCORE: '4' })).passwordPolicy).toEqual({ minLength: 16, minScore: 4 });
    expect(configErrorOf(env({ PASSWORD_MIN_LENGTH: '8' })).setting).toBe('PASSWORD_MIN_LENGTH');
    expect(configErrorOf(env({ PASSWORD_MIN_LENGTH: '65' })).setting).toBe('PASSWORD_MIN_LENGTH');
    expect(configErrorOf(env({ PASSWORD_MIN_SCORE: '2' })).setting).toBe('PASSWORD_MIN_SCORE');
    const error = configErrorOf(env({ PASSWORD_MIN_LENGTH: '24', ADMIN_EMAIL: 'boss@clinic.test', ADMIN_PASSWORD: 'twenty three characters' }));
    expect(error.setting).toBe('ADMIN_PASSWORD');
    expect(error.message).toContain('24 characters');
  });

  it('holds the upload limits: JSON bodies 100 KB unless JSON_BODY_LIMIT_KB says, the logo at most 96 KB (LOGO_MAX_KB)', () => {
    expect(loadConfig(env()).uploadLimits).toEqual({ jsonBodyBytes: 100 * 1024, logoBytes: 96 * 1024 });
    expect(loadConfig(env({ JSON_BODY_LIMIT_KB: '32', LOGO_MAX_KB: '24' })).uploadLimits).toEqual({ jsonBodyBytes: 32 * 1024, logoBytes: 24 * 1024 });
    expect(configErrorOf(env({ JSON_BODY_LIMIT_KB: '4096' })).setting).toBe('JSON_BODY_LIMIT_KB');
    expect(configErrorOf(env({ LOGO_MAX_KB: '500' })).setting).toBe('LOGO_MAX_KB');
  });

  it('takes the first admin from ADMIN_EMAIL and ADMIN_PASSWORD', () => {
    expect(loadConfig(env({ ADMIN_EMAIL: 'Boss@Clinic.test', ADMIN_PASSWORD: 'a long enough password' })).admin).toEqual({
      email: 'boss@clinic.test',
      password: 'a long enough password',
    });
  });

  it('refuses ADMIN_PASSWORD without ADMIN_EMAIL, naming ADMIN_EMAIL', () => {
    expect(configErrorOf(env({ ADMIN_PASSWORD: 'a long enough password' })).setting).toBe('ADMIN_EMAIL');
  });

  it('refuses to start in production without JWT_SECRET, naming JWT_SECRET', () => {
    const error = configErrorOf(env({ NODE_ENV: 'production', JWT_SECRET: undefined }));
    expect(error.setting).toBe('JWT_SECRET');
  });

  it('refuses a JWT_SECRET shorter than 32 bytes in production, naming JWT_SECRET without echoing it', () => {
    const error = configErrorOf(env({ NODE_ENV: 'production', JWT_SECRET: 'only-twenty-bytes-xx' }));
    expect(error.setting).toBe('JWT_SECRET');
    expect(error.message).not.toContain('only-twenty-bytes-xx');
  });

  it('refuses in production a JWT_SECRET copied from an example or typed as a pattern, naming JWT_SECRET', () => {
    for (const secret of ['change-me-change-me-change-me-change-me', 'your-jwt-secret-goes-here-at-least-32-bytes', 'a'.repeat(40), 'abababababababababababababababab12']) {
      const error = configErrorOf(env({ NODE_ENV: 'production', JWT_SECRET: secret, ALLOWED_HOSTS: 'queue.clinic.example' }));
      expect(error.setting, secret).toBe('JWT_SECRET');
      expect(error.message).not.toContain(secret);
    }
    // 48 random bytes, as the message says to make one.
    const random = 'q3J8vX0b9M2kT7wZ1sN4yH6cR5pL8dF0gA3eU9iO2uB7nV1xK4mC6tY0hS5jE8rW';
    expect(loadConfig(env({ NODE_ENV: 'production', JWT_SECRET: random, ALLOWED_HOSTS: 'queue.clinic.example' })).production).toBe(true);
  });

  it('accepts a 32-byte JWT_SECRET in production', () => {
    const config = loadConfig(env({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, ALLOWED_HOSTS: 'queue.clinic.example' }));
    expect(config.production).toBe(true);
    expect(Buffer.from(config.jwtSecret).toString('utf8')).toBe(GOOD_SECRET);
  });

  it('refuses to start in production without a host list, naming ALLOWED_HOSTS; adds PUBLIC_URL’s host to a list', () => {
    expect(configErrorOf(env({ NODE_ENV: 'production' })).setting).toBe('ALLOWED_HOSTS');
    const config = loadConfig(env({ NODE_ENV: 'production', ALLOWED_HOSTS: 'Queue.Clinic.example:443, 10.0.0.20', PUBLIC_URL: 'https://status.clinic.example' }));
    expect(config.allowedHosts).toEqual(['queue.clinic.example', '10.0.0.20', 'status.clinic.example']);
    // In development an empty list means any host: a laptop on a LAN is reached by its address.
    expect(loadConfig(env()).allowedHosts).toEqual([]);
  });

  it('refuses "*" and anything but exact origins in CORS_ORIGINS (the API works with credentials)', () => {
    for (const value of ['*', 'https://*.clinic.example', 'portal.clinic.example', 'https://portal.clinic.example/path', 'ftp://files.clinic.example']) {
      expect(configErrorOf(env({ CORS_ORIGINS: value })).setting, value).toBe('CORS_ORIGINS');
    }
    expect(loadConfig(env({ CORS_ORIGINS: 'https://portal.clinic.example, http://10.0.0.9:8080' })).corsOrigins).toEqual(['https://portal.clinic.example', 'http://10.0.0.9:8080']);
  });

  it('refuses a TRUST_PROXY that trusts everything or is not an address list', () => {
    for (const value of ['true', '*', '1', '10.0.0.0/33', 'proxy.local']) {
      const error = configErrorOf(env({ TRUST_PROXY: value }));
      expect(error.setting, value).toBe('TRUST_PROXY');
      expect(error.message).toContain('e.g. TRUST_PROXY=');
    }
    expect(loadConfig(env({ TRUST_PROXY: '10.0.0.5, 10.0.1.0/24, ::1' })).trustProxy).toEqual(['10.0.0.5', '10.0.1.0/24', '::1']);
  });

  it('refuses an address list entry that is not an address or CIDR range, naming its setting', () => {
    for (const setting of ['DENY_CIDRS', 'STAFF_ALLOW_CIDRS', 'ADMIN_ALLOW_CIDRS']) {
      for (const value of ['10.0.0.0/33', 'intranet', '10.0.0.0/8/1', '2001:db8::/129']) expect(configErrorOf(env({ [setting]: value })).setting, `${setting}=${value}`).toBe(setting);
    }
    expect(loadConfig(env({ STAFF_ALLOW_CIDRS: '10.0.0.0/8, 2001:db8::/32, 192.0.2.7' })).addressLists.staff).toEqual(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
  });

  it('generates a JWT secret in development and keeps it in DATA_DIR/secrets.json, so the next start uses the same', () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const first = loadConfig({ DATA_DIR: dataDir, TZ_QUEUE: 'UTC' });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    const file = join(dataDir, 'secrets.json');
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(statSync(dataDir).mode & 0o077).toBe(0);
    expect(Buffer.from(JSON.parse(readFileSync(file, 'utf8')).jwtSecret, 'base64')).toEqual(Buffer.from(first.jwtSecret));

    const second = loadConfig({ DATA_DIR: dataDir, TZ_QUEUE: 'UTC' });
    expect(Buffer.from(second.jwtSecret)).toEqual(Buffer.from(first.jwtSecret));
    const elsewhere = loadConfig({ DATA_DIR: tempDir(), TZ_QUEUE: 'UTC' });
    expect(Buffer.from(elsewhere.jwtSecret)).not.toEqual(Buffer.from(first.jwtSecret));
  });

  it('refuses to start in production without MASTER_KEY or AUDIT_KEY, naming each, and takes the master key from a file', () => {
    const production = { NODE_ENV: 'production', ALLOWED_HOSTS: 'queue.clinic.example' };
    expect(configErrorOf(env({ ...production, MASTER_KEY: undefined })).setting).toBe('MASTER_KEY');
    expect(configErrorOf(env({ ...production, AUDIT_KEY: undefined })).setting).toBe('AUDIT_KEY');
    expect(configErrorOf(env({ ...production, AUDIT_KEY: 'changeme-changeme-changeme-changeme' })).setting).toBe('AUDIT_KEY');
    const file = join(tempDir(), 'master.key');
    writeFileSync(file, `${GOOD_MASTER_KEY}\n`);
    const config = loadConfig(env({ ...production, MASTER_KEY: undefined, MASTER_KEY_FILE: file }));
    expect(Buffer.from(config.masterKey!).toString()).toBe(GOOD_MASTER_KEY);
    expect(configErrorOf(env({ MASTER_KEY_FILE: file })).setting).toBe('MASTER_KEY_FILE');
    expect(configErrorOf(env({ MASTER_KEY: undefined, MASTER_KEY_FILE: join(tempDir(), 'missing.key') })).setting).toBe('MASTER_KEY_FILE');
  });

  it('in development keeps a generated audit key, and leaves the master key to the keyring (made only for a database without keys)', () => {
    const dataDir = tempDir();
    const first = loadConfig({ DATA_DIR: dataDir, TZ_QUEUE: 'UTC' });
    expect(first.masterKey).toBeUndefined();
    expect(first.audit.key.length).toBeGreaterThanOrEqual(32);
    expect(Buffer.from(first.audit.key)).not.toEqual(Buffer.from(first.jwtSecret));
    const second = loadConfig({ DATA_DIR: dataDir, TZ_QUEUE: 'UTC' });
    expect(Buffer.from(second.audit.key)).toEqual(Buffer.from(first.audit.key));
    expect(Buffer.from(second.jwtSecret)).toEqual(Buffer.from(first.jwtSecret));
  });

  it('names DATA_DIR when the generated secret cannot be kept there', () => {
    const notAFolder = join(tempDir(), 'a-file');
    writeFileSync(notAFolder, 'not a folder');
    expect(configErrorOf({ DATA_DIR: notAFolder, TZ_QUEUE: 'UTC' }).setting).toBe('DATA_DIR');
  });

  it('names DATA_DIR when its secrets.json is damaged, instead of crashing', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'secrets.json'), '{"jwtSecret": ');
    expect(configErrorOf({ DATA_DIR: dataDir, TZ_QUEUE: 'UTC' }).setting).toBe('DATA_DIR');
  });

  it('refuses a bad LOG_FORMAT, naming it, and picks readable logs only for a terminal', () => {
    expect(configErrorOf(env({ LOG_FORMAT: 'xml' })).setting).toBe('LOG_FORMAT');
    expect(loadConfig(env(), { terminal: true }).logFormat).toBe('pretty');
    expect(loadConfig(env(), { terminal: false }).logFormat).toBe('json');
    expect(loadConfig(env({ LOG_FORMAT: 'json' }), { terminal: true }).logFormat).toBe('json');
  });

  it.each([
    ['REDIS_URL', 'http://cache:6379'],
    ['PUBLIC_URL', 'not a url'],
    ['RATE_LIMIT_MULTIPLIER', '0'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['ADMIN_EMAIL', 'not-an-email'],
  ])('refuses a bad %s, naming it', (name, value) => {
    expect(configErrorOf(env({ [name]: value })).setting).toBe(name);
  });
});

describe('the address in status links and QR codes (PUBLIC_URL unset)', () => {
  const lan = (address: string, internal = false) => ({ address, family: 'IPv4' as const, internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:01', cidr: `${address}/24` });
  const machine = { lo: [lan('127.0.0.1', true)], docker0: [lan('172.17.0.1')], wlan0: [lan('192.168.1.20')] };

  it('on 0.0.0.0 is the machine\'s LAN address: a private one first, never a container bridge', () => {
    expect(choosePublicUrl({ host: '0.0.0.0', port: 3000, publicUrl: undefined }, machine)).toEqual({ url: 'http://192.168.1.20:3000', source: 'lan' });
    expect(choosePublicUrl({ host: '0.0.0.0', port: 3000, publicUrl: undefined }, { lo: machine.lo, eth0: [lan('203.0.113.9')], wlan0: machine.wlan0 })).toEqual({
      url: 'http://192.168.1.20:3000',
      source: 'lan',
    });
    const config = loadConfig(env({ HOST: '0.0.0.0', PORT: '8080' }), { interfaces: { lo: machine.lo, wlan0: machine.wlan0 } });
    expect(config.publicUrl).toBe('http://192.168.1.20:8080');
    expect(config.publicUrlSource).toBe('lan');
  });

  it('on 0.0.0.0 without any LAN address is localhost, marked so the start warns', () => {
    expect(choosePublicUrl({ host: '0.0.0.0', port: 3000, publicUrl: undefined }, { lo: machine.lo })).toEqual({ url: 'http://localhost:3000', source: 'no-lan' });
  });

  it('on loopback is the loopback address, marked so the start warns', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) {
      expect(choosePublicUrl({ host, port: 3000, publicUrl: undefined }, machine).source).toBe('loopback');
    }
    expect(loadConfig(env(), { interfaces: machine })).toMatchObject({ publicUrl: 'http://127.0.0.1:3000', publicUrlSource: 'loopback' });
  });

  it('PUBLIC_URL wins over everything, without its trailing slash', () => {
    const config = loadConfig(env({ HOST: '0.0.0.0', PUBLIC_URL: 'https://queue.clinic.example/' }), { interfaces: machine });
    expect(config).toMatchObject({ publicUrl: 'https://queue.clinic.example', publicUrlSource: 'PUBLIC_URL', secureCookies: true });
  });

  it('a specific HOST address is used as it is', () => {
    expect(choosePublicUrl({ host: '192.168.1.20', port: 3000, publicUrl: undefined }, machine)).toEqual({ url: 'http://192.168.1.20:3000', source: 'host' });
  });
});

/** Starts the built server expecting it to refuse: its exit code and what it printed. */
/** The built server started with a fresh data folder and these settings, expected to refuse. */
function startRefused(overrides: Record<string, string>) {
  const dataDir = tempDir();
  return startRefusedServer({ DATA_DIR: dataDir, DATABASE_URL: `sqlite:${join(dataDir, 'st.db')}`, ...overrides });
}

describe('the settings an operator is shown', () => {
  const ROOT = join(import.meta.dirname, '..', '..', '..');
  const documented = (text: string, pattern: RegExp) => new Set([...text.matchAll(pattern)].map((m) => m[1]!));

  it('lists every setting the server reads in .env.example and in the README, and none it does not read', () => {
    const example = documented(readFileSync(join(ROOT, '.env.example'), 'utf8'), /^#?\s*([A-Z][A-Z0-9_]+)=/gm);
    const readme = documented(readFileSync(join(ROOT, 'README.md'), 'utf8'), /`([A-Z][A-Z0-9_]+)`/g);
    expect(SETTING_NAMES.filter((name) => !example.has(name))).toEqual([]);
    expect(SETTING_NAMES.filter((name) => !readme.has(name))).toEqual([]);
    expect([...example].filter((name) => !SETTING_NAMES.includes(name))).toEqual([]);
  });
});

describe('starting the server with a bad setting', () => {
  it.each([
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' }],
    ['JWT_SECRET', { NODE_ENV: 'production', JWT_SECRET: 'too-short' }],
    ['ADMIN_PASSWORD', { ADMIN_EMAIL: 'boss@clinic.test', ADMIN_PASSWORD: 'short' }],
    ['TZ_QUEUE', { TZ_QUEUE: 'Nowhere/Special' }],
    ['PORT', { PORT: 'eighty' }],
    ['REDIS_URL', { REDIS_URL: `redis://127.0.0.1:1` }],
    ['ALLOWED_HOSTS', { NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, MASTER_KEY: GOOD_MASTER_KEY, AUDIT_KEY: GOOD_AUDIT_KEY }],
    ['MASTER_KEY', { NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, ALLOWED_HOSTS: 'queue.clinic.example' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: '*' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'true' }],
  ])('stops with a non-zero exit and one line on stderr naming %s', async (setting, overrides) => {
    const result = await startRefused(overrides);
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.lines, result.stderr).toHaveLength(1);
    expect(result.lines[0]).toContain(`${setting}:`);
    expect(result.stdout).not.toContain('is running');
  });

  it('names PORT when the port is already taken', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const result = await startRefused({ PORT: String(port), JWT_SECRET: GOOD_SECRET });
      expect(result.code).not.toBe(0);
      expect(result.lines, result.stderr).toHaveLength(1);
      expect(result.lines[0]).toContain('PORT:');
    } finally {
      blocker.close();
    }
  });
});
