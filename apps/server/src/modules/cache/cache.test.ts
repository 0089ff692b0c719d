import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createDatabase, type Database } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { systemClock } from '../../lib/clock.js';
import { DIALECTS, freshDatabase } from '../../test/databases.js';
import { TEST_PASSWORD, testEnv } from '../../test/test-app.js';
import { createAuthService } from '../auth/auth.service.js';
import { DEFAULT_PASSWORD_POLICY, createPasswordPolicy } from '../auth/password-policy.js';
import { memorySecurityLog } from '../auth/security-log.js';
import { createUsersService } from '../users/users.service.js';
import {
  createInvalidationBus,
  createLocalInvalidationBus,
  createRedisInvalidationBus,
  type CacheInvalidationBus,
  type InvalidationMessage,
} from './cache-invalidation.js';
import { createAuditTrail } from '../audit/audit.service.js';
import { createReadCache } from './read-cache.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TTL_MS = 30_000;
const nothingMissed = async () => undefined;

/** The users service as the server builds it: ending sessions through the auth service, on this bus. */
function usersOn(database: Database, invalidation: CacheInvalidationBus) {
  const security = memorySecurityLog();
  const passwordPolicy = createPasswordPolicy(DEFAULT_PASSWORD_POLICY);
  const config = { jwtSecret: new Uint8Array(32).fill(7), session: { idleMs: 30 * 60_000, maxMs: 12 * 60 * 60_000 }, passwordPolicy };
  const sessions = createAuthService({ database, clock: systemClock, invalidation, security, ...config });
  const audit = createAuditTrail({ database, clock: systemClock, key: config.jwtSecret, onError: () => undefined });
  return createUsersService({ database, clock: systemClock, invalidation, sessions, security, passwordPolicy, audit });
}

/** A loader that counts its calls and answers what the test says the row is now. */
function source(initial: { name: string } | undefined) {
  let row = initial;
  let loads = 0;
  return {
    load: async () => {
      loads += 1;
      return row && { ...row };
    },
    set: (next: { name: string } | undefined) => (row = next),
    loads: () => loads,
  };
}

describe('the read cache', () => {
  it('loads a value once and serves it from memory until it is invalidated', async () => {
    const cache = createReadCache<{ name: string }>({ max: 10, ttlMs: TTL_MS, catchUp: nothingMissed });
    const db = source({ name: 'Room 1' });
    const first = await cache.get('c1', db.load);
    expect(await cache.get('c1', db.load)).toBe(first);
    expect(db.loads()).toBe(1);
    db.set({ name: 'Room 9' });
    cache.delete('c1');
    expect(await cache.get('c1', db.load)).toEqual({ name: 'Room 9' });
    expect(db.loads()).toBe(2);
  });

  it('hands out frozen values, since every caller shares one', async () => {
    const cache = createReadCache<{ name: string }>({ max: 10, ttlMs: TTL_MS, catchUp: nothingMissed });
    expect(Object.isFrozen(await cache.get('c1', source({ name: 'Room 1' }).load))).toBe(true);
  });

  it('does not keep what a load read before an invalidation that came while it was loading', async () => {
    const cache = createReadCache<{ name: string }>({ max: 10, ttlMs: TTL_MS, catchUp: nothingMissed });
    let release!: () => void;
    let loading!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (loading = resolve));
    const slow = cache.get('c1', async () => {
      loading();
      await gate;
      return { name: 'before the change' };
    });
    await started;
    cache.delete('c1');
    release();
    expect(await slow).toEqual({ name: 'before the change' });
    expect(await cache.get('c1', async () => ({ name: 'after the change' }))).toEqual({ name: 'after the change' });
  });

  it('does not remember that something is missing', async () => {
    const cache = createReadCache<{ name: string }>({ max: 10, ttlMs: TTL_MS, catchUp: nothingMissed });
    const db = source(undefined);
    expect(await cache.get('c1', db.load)).toBeUndefined();
    db.set({ name: 'Room 1' });
    expect(await cache.get('c1', db.load)).toEqual({ name: 'Room 1' });
  });

  it('reads a value again once its TTL has passed, even when no invalidation came', async () => {
    let now = 1_000;
    const cache = createReadCache<{ name: string }>({ max: 10, ttlMs: TTL_MS, catchUp: nothingMissed, now: () => now });
    const db = source({ name: 'Room 1' });
    await cache.get('c1', db.load);
    db.set({ name: 'Room 2' });
    now += TTL_MS - 1;
    expect(await cache.get('c1', db.load)).toEqual({ name: 'Room 1' });
    now += 2;
    expect(await cache.get('c1', db.load)).toEqual({ name: 'Room 2' });
  });

  it('drops every entry that matches, and only those', async () => {
    const cache = createReadCache<{ userId: string }>({ max: 10, ttlMs: TTL_MS, catchUp: nothingMissed });
    for (const [session, userId] of [['s1', 'u1'], ['s2', 'u1'], ['s3', 'u2']] as const) await cache.get(session, async () => ({ userId }));
    cache.deleteWhere((s) => s.userId === 'u1');
    let loads = 0;
    const reload = async () => {
      loads += 1;
      return { userId: 'reloaded' };
    };
    for (const session of ['s1', 's2', 's3']) await cache.get(session, reload);
    expect(loads).toBe(2);
  });

  it('catches up before every read, so what the bus says was missed is not served', async () => {
    let missed = false;
    const bus = createLocalInvalidationBus(async () => missed);
    const cache = createReadCache<{ name: string }>({ max: 10, ttlMs: TTL_MS, catchUp: () => bus.catchUp() });
    bus.subscribe((m) => m.kind === 'everything' && cache.clear());
    const db = source({ name: 'Room 1' });
    await cache.get('c1', db.load);
    db.set({ name: 'Room 2' });
    expect(await cache.get('c1', db.load)).toEqual({ name: 'Room 1' });
    missed = true;
    expect(await cache.get('c1', db.load)).toEqual({ name: 'Room 2' });
  });

  it('holds at most max entries, dropping the least recently used', async () => {
    const cache = createReadCache<{ n: number }>({ max: 2, ttlMs: TTL_MS, catchUp: nothingMissed });
    let loads = 0;
    const load = (n: number) => async () => {
      loads += 1;
      return { n };
    };
    await cache.get('a', load(1));
    await cache.get('b', load(2));
    await cache.get('a', load(1));
    await cache.get('c', load(3));
    await cache.get('a', load(1));
    expect(loads).toBe(3);
    await cache.get('b', load(2));
    expect(loads).toBe(4);
  });
});

describe('the in-process invalidation bus', () => {
  it('hands an invalidation to every subscriber before publish returns', async () => {
    const bus = createLocalInvalidationBus();
    const heard: InvalidationMessage[][] = [[], []];
    bus.subscribe((m) => heard[0]!.push(m));
    bus.subscribe((m) => heard[1]!.push(m));
    const published = bus.publish({ kind: 'session', id: 's1' });
    expect(heard).toEqual([[{ kind: 'session', id: 's1' }], [{ kind: 'session', id: 's1' }]]);
    await published;
  });
});

describe('the Redis invalidation bus', () => {
  const buses: CacheInvalidationBus[] = [];
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
  });

  async function bus() {
    const errors: unknown[] = [];
    const made = await createRedisInvalidationBus(REDIS_URL, (error) => errors.push(error));
    buses.push(made);
    const heard: InvalidationMessage[] = [];
    made.subscribe((m) => heard.push(m));
    return { bus: made, heard, errors };
  }

  it("hands each instance's invalidations to the others, and to itself only once", async () => {
    const a = await bus();
    const b = await bus();
    await a.bus.publish({ kind: 'user', id: 'u-redis-1' });
    await expect.poll(() => b.heard).toContainEqual({ kind: 'user', id: 'u-redis-1' });
    await b.bus.publish({ kind: 'counter', id: 'c-redis-1' });
    await expect.poll(() => a.heard).toContainEqual({ kind: 'counter', id: 'c-redis-1' });
    // Give an echo of our own message time to come back from Redis, then check it was dropped.
    await b.bus.publish({ kind: 'department', id: 'flush' });
    await expect.poll(() => a.heard).toContainEqual({ kind: 'department', id: 'flush' });
    expect(a.heard.filter((m) => m.kind === 'user' && m.id === 'u-redis-1')).toHaveLength(1);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});

describe('the invalidation bus without Redis', () => {
  async function open(dialect: 'sqlite' | 'postgres') {
    const db = await freshDatabase(dialect);
    const config = loadConfig(testEnv(db));
    const databases: Database[] = [];
    const connect = () => {
      const database = createDatabase(config.database);
      databases.push(database);
      return database;
    };
    return {
      connect,
      async close() {
        for (const database of databases) await database.close();
        await db.drop();
      },
    };
  }

  async function busOn(database: Database) {
    const errors: unknown[] = [];
    const bus = await createInvalidationBus({ redisUrl: undefined, database, onError: (error) => errors.push(error) });
    const heard: InvalidationMessage[] = [];
    bus.subscribe((m) => heard.push(m));
    return { bus, heard, errors };
  }

  it.runIf(DIALECTS.includes('sqlite'))(
    'on SQLite, starts every cache over after another process committed (the command line), and not after its own commits',
    async () => {
      const files = await open('sqlite');
      try {
        const server = files.connect();
        const commandLine = files.connect();
        await migrateToLatest(server.db);
        const { bus, heard } = await busOn(server);
        await bus.catchUp();
        await bus.catchUp();
        expect(heard).toEqual([]);

        const users = usersOn(server, bus);
        await users.createUser({ email: 'own@cache.test', name: 'Own', role: 'doctor', password: TEST_PASSWORD });
        heard.length = 0;
        await bus.catchUp();
        expect(heard).toEqual([]);

        const elsewhere = usersOn(commandLine, createLocalInvalidationBus());
        await elsewhere.resetPassword('own@cache.test', 'another long passphrase');
        await bus.catchUp();
        expect(heard).toEqual([{ kind: 'everything' }]);
        await bus.catchUp();
        expect(heard).toEqual([{ kind: 'everything' }]);
      } finally {
        await files.close();
      }
    },
  );

  it.runIf(DIALECTS.includes('postgres'))(
    "on PostgreSQL, hears the command line's changes through NOTIFY, and trusts nothing cached while its LISTEN connection is down",
    async () => {
      const server = await open('postgres');
      try {
        const app = server.connect();
        await migrateToLatest(app.db);
        const { bus, heard, errors } = await busOn(app);
        await bus.catchUp();
        expect(heard).toEqual([]);

        const users = usersOn(app, bus);
        const user = await users.createUser({ email: 'pg@cache.test', name: 'Pg', role: 'doctor', password: TEST_PASSWORD });
        heard.length = 0;

        // The command line, with its own connection and bus, as `npm run cli -- reset-password` runs.
        const commandLine = server.connect();
        const cliBus = await createInvalidationBus({ redisUrl: undefined, database: commandLine, onError: (error) => expect.fail(String(error)) });
        try {
          await usersOn(commandLine, cliBus).resetPassword('pg@cache.test', 'another long passphrase');
        } finally {
          await cliBus.close();
        }
        await expect.poll(() => heard).toContainEqual({ kind: 'user', id: user.id });
        expect(heard).not.toContainEqual({ kind: 'everything' });
        expect(errors).toEqual([]);

        // The listening connection dies (a restarted database, a network cut): nothing cached is trusted.
        heard.length = 0;
        const killed = await sql<{ n: number }>`
          select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where datname = current_database() and query = 'listen smart_token_cache_invalidation'`.execute(app.db);
        expect(killed.rows[0]!.n).toBe(1);
        await expect
          .poll(async () => {
            heard.length = 0;
            await bus.catchUp();
            return heard;
          })
          .toEqual([{ kind: 'everything' }]);
        // It listens again by itself, and starts every cache over once more when it does.
        await expect
          .poll(async () => {
            heard.length = 0;
            await bus.catchUp();
            return heard;
          }, { timeout: 10_000 })
          .toEqual([]);
        expect(String(errors[0])).toMatch(/terminat/);
        await bus.close();
      } finally {
        await server.close();
      }
    },
  );
});
