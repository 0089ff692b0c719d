import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, choosePublicUrl, loadConfig } from './config.js';
import { SERVER_ENTRY, freePort } from './test/child-server.js';

const GOOD_SECRET = 'a-production-secret-of-at-least-32-bytes!';
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
  return { DATA_DIR: tempDir(), JWT_SECRET: GOOD_SECRET, TZ_QUEUE: 'Asia/Kolkata', ...overrides };
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

  it('accepts a 32-byte JWT_SECRET in production', () => {
    const config = loadConfig(env({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET }));
    expect(config.production).toBe(true);
    expect(Buffer.from(config.jwtSecret).toString('utf8')).toBe(GOOD_SECRET);
  });

  it('generates a JWT secret in development and keeps it in DATA_DIR/secrets.json, so the next start uses the same', () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const first = loadConfig({ DATA_DIR: dataDir, TZ_QUEUE: 'UTC' });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    const file = join(dataDir, 'secrets.json');
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(Buffer.from(JSON.parse(readFileSync(file, 'utf8')).jwtSecret, 'base64')).toEqual(Buffer.from(first.jwtSecret));

    const second = loadConfig({ DATA_DIR: dataDir, TZ_QUEUE: 'UTC' });
    expect(Buffer.from(second.jwtSecret)).toEqual(Buffer.from(first.jwtSecret));
    const elsewhere = loadConfig({ DATA_DIR: tempDir(), TZ_QUEUE: 'UTC' });
    expect(Buffer.from(elsewhere.jwtSecret)).not.toEqual(Buffer.from(first.jwtSecret));
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
async function startRefused(overrides: Record<string, string>) {
  const dataDir = tempDir();
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(await freePort()), DATA_DIR: dataDir, DATABASE_URL: `sqlite:${join(dataDir, 'st.db')}`, ...overrides },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr, lines: stderr.split('\n').filter((l) => l.trim() !== '') };
}

describe('starting the server with a bad setting', () => {
  it.each([
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' }],
    ['JWT_SECRET', { NODE_ENV: 'production', JWT_SECRET: 'too-short' }],
    ['ADMIN_PASSWORD', { ADMIN_EMAIL: 'boss@clinic.test', ADMIN_PASSWORD: 'short' }],
    ['TZ_QUEUE', { TZ_QUEUE: 'Nowhere/Special' }],
    ['PORT', { PORT: 'eighty' }],
    ['REDIS_URL', { REDIS_URL: `redis://127.0.0.1:1` }],
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
