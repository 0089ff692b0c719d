import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import { openRedisChannel } from '../../lib/redis-channel.js';
import { sqliteDataVersion } from './cache.repository.js';

/** What changed: every instance drops what it cached for this thing. */
export const invalidationSchema = z.strictObject({
  // 'keys': a data key was made, activated or retired (`keys rotate`): every instance reads data_keys again.
  kind: z.enum(['session', 'user', 'department', 'counter', 'device', 'setting', 'board-settings', 'keys']),
  id: z.string().min(1).max(128),
});
export type Invalidation = z.infer<typeof invalidationSchema>;

/**
 * What a subscriber hears: an invalidation, or `everything` when this process may have missed
 * some (a change made by a process it cannot hear), so every cache starts over.
 */
export type InvalidationMessage = Invalidation | { kind: 'everything' };

/** Carries cache invalidations to every instance: through Redis pub/sub, or in-process alone. */
export interface CacheInvalidationBus {
  /**
   * Call after the change commits. This process's handlers run before it returns; the promise
   * settles once Redis took the message (or gave up), and never rejects: the change itself is
   * committed, and a lost message costs at most the caches' TTL.
   */
  publish(invalidation: Invalidation): Promise<void>;
  subscribe(handler: (message: InvalidationMessage) => void): void;
  /**
   * Call before serving from a cache (outside any transaction): delivers `everything` when a
   * change may have been made where this process could not hear it — the command line or another
   * instance without Redis, or while the Redis subscription is down.
   */
  catchUp(): Promise<void>;
  close(): Promise<void>;
}

const CHANNEL = 'smart-token:cache-invalidation';
/** A request that changed something waits at most this long for Redis before answering. */
const PUBLISH_TIMEOUT_MS = 1000;
const wireSchema = invalidationSchema.extend({ from: z.string().max(64) });
/** PostgreSQL's channel for the same messages when there is no Redis. */
const PG_CHANNEL = 'smart_token_cache_invalidation';
/** How long a lost LISTEN connection waits before it tries again (caches are bypassed meanwhile). */
const LISTEN_RETRY_MS = 1000;

/**
 * The bus of one process. `missedChanges` says whether another process may have changed something
 * since it was last asked (then every cache starts over); by default none can.
 */
export function createLocalInvalidationBus(missedChanges: () => Promise<boolean> = async () => false): CacheInvalidationBus {
  const handlers: ((message: InvalidationMessage) => void)[] = [];
  const deliver = (message: InvalidationMessage) => handlers.forEach((h) => h(message));
  return {
    publish: async (invalidation) => deliver(invalidation),
    subscribe: (handler) => void handlers.push(handler),
    async catchUp() {
      if (await missedChanges()) deliver({ kind: 'everything' });
    },
    close: async () => undefined,
  };
}

/**
 * Redis fan-out on its own channel (live events have theirs). Our own messages are handled at once
 * and dropped when Redis echoes them back. The request that made the change waits for the publish,
 * so by the time its answer leaves, Redis has handed the message to every other instance.
 */
export async function createRedisInvalidationBus(url: string, onError: (error: unknown) => void): Promise<CacheInvalidationBus> {
  const handlers: ((message: InvalidationMessage) => void)[] = [];
  const deliver = (message: InvalidationMessage) => handlers.forEach((h) => h(message));
  const channel = await openRedisChannel(url, CHANNEL, onError, (raw, instance) => {
    try {
      const { from, ...invalidation } = wireSchema.parse(JSON.parse(raw));
      if (from !== instance) deliver(invalidation);
    } catch (error) {
      onError(error);
    }
  });
  const { subscriber } = channel;
  // ioredis subscribes again after a reconnect; whatever was published in between never reached us.
  subscriber.on('ready', () => deliver({ kind: 'everything' }));

  return {
    async publish(invalidation) {
      deliver(invalidation);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          onError(new Error(`a ${invalidation.kind} cache invalidation was not confirmed by Redis within ${PUBLISH_TIMEOUT_MS} ms`));
          resolve();
        }, PUBLISH_TIMEOUT_MS);
      });
      const sent = channel.publish(JSON.stringify({ from: channel.instance, ...invalidation })).then(() => undefined, onError);
      await Promise.race([sent, timeout]);
      clearTimeout(timer);
    },
    subscribe: (handler) => void handlers.push(handler),
    // While the subscription is down we hear nothing, so nothing cached is trusted.
    async catchUp() {
      if (subscriber.status !== 'ready') deliver({ kind: 'everything' });
    },
    close: () => channel.close(),
  };
}

/**
 * PostgreSQL without Redis: NOTIFY on a channel every instance (and the command line) LISTENs to,
 * on a connection of its own. While that connection is down nothing cached is trusted, and when it
 * comes back every cache starts over (whatever was sent in between never reached us).
 */
export async function createPostgresInvalidationBus(url: string, database: Database, onError: (error: unknown) => void): Promise<CacheInvalidationBus> {
  const handlers: ((message: InvalidationMessage) => void)[] = [];
  const deliver = (message: InvalidationMessage) => handlers.forEach((h) => h(message));
  const instance = randomUUID();
  let listener: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  async function listen(): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    const down = (error?: unknown) => {
      if (listener === client) {
        listening = false;
        listener = undefined;
        void client.end().catch(() => undefined);
        if (!closed) retry = setTimeout(() => void listen().catch(() => undefined), LISTEN_RETRY_MS);
      }
      if (error) onError(error);
    };
    client.on('error', down);
    client.on('end', () => down());
    client.on('notification', ({ payload }) => {
      try {
        const { from, ...invalidation } = wireSchema.parse(JSON.parse(payload ?? ''));
        if (from !== instance) deliver(invalidation);
      } catch (error) {
        onError(error);
      }
    });
    listener = client;
    try {
      await client.connect();
      await client.query(`listen ${PG_CHANNEL}`);
    } catch (error) {
      down(error);
      throw error;
    }
    if (closed) return void client.end().catch(() => undefined);
    listening = true;
    // Anything sent before we listened (or while we were away) is lost to us.
    deliver({ kind: 'everything' });
  }

  await listen().catch((error: unknown) => {
    closed = true;
    clearTimeout(retry);
    throw error;
  });
  return {
    async publish(invalidation) {
      deliver(invalidation);
      try {
        await sql`select pg_notify(${PG_CHANNEL}, ${JSON.stringify({ from: instance, ...invalidation })})`.execute(database.db);
      } catch (error) {
        onError(error);
      }
    },
    subscribe: (handler) => void handlers.push(handler),
    async catchUp() {
      if (!listening) deliver({ kind: 'everything' });
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const client = listener;
      listener = undefined;
      listening = false;
      await client?.end().catch(() => undefined);
    },
  };
}

/**
 * Without Redis, on SQLite, another process (the command line resetting a password) can change what
 * we cache without our hearing of it; SQLite tells us cheaply when any other connection has
 * committed, and then every cache starts over.
 */
function sqliteMissedChanges(database: Database): () => Promise<boolean> {
  let seen: number | undefined;
  return async () => {
    const version = await sqliteDataVersion(database.db);
    const missed = seen !== undefined && version !== seen;
    seen = version;
    return missed;
  };
}

/** Redis when there is a REDIS_URL; else PostgreSQL's NOTIFY, or SQLite's own commit counter. */
export async function createInvalidationBus(deps: {
  redisUrl: string | undefined;
  database: Database;
  onError: (error: unknown) => void;
}): Promise<CacheInvalidationBus> {
  const { redisUrl, database, onError } = deps;
  if (redisUrl) return createRedisInvalidationBus(redisUrl, onError);
  if (database.config.kind === 'postgres') return createPostgresInvalidationBus(database.config.url, database, onError);
  return createLocalInvalidationBus(sqliteMissedChanges(database));
}
