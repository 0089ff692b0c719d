import { LRUCache } from 'lru-cache';

/**
 * A bounded read-through cache of rows that are read on every request and change rarely, kept
 * right by invalidations (see cache-invalidation.ts); the TTL is only the safety net for an
 * invalidation that never arrived (Redis down, a change made by a process without the bus).
 */
export interface ReadCache<V extends object> {
  /** The cached value, else what load returns (kept unless an invalidation came while it loaded). */
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  delete(key: string): void;
  deleteWhere(matches: (value: V) => boolean): void;
  clear(): void;
}

export function createReadCache<V extends object>(options: {
  max: number;
  ttlMs: number;
  /** Run before every read: delivers what this process may have missed (the bus's catchUp). */
  catchUp: () => Promise<void>;
  /** The TTL's timer: monotonic real time unless given. */
  now?: () => number;
}): ReadCache<V> {
  // The TTL bounds staleness and decides nothing, so it runs on real time, not the app's clock;
  // expiry rules (a session's end) are checked on the value by the caller.
  // ttlResolution 0: ask the timer on every read rather than reuse a reading for a millisecond.
  const cache = new LRUCache<string, V>({ max: options.max, ttl: options.ttlMs, ttlResolution: 0, ...(options.now && { perf: { now: options.now } }) });
  // Bumped by every invalidation: a load that started before one may have read the old row, so its
  // result is returned to its caller but not kept. Invalidations are rare, so one counter will do.
  let generation = 0;

  return {
    async get(key, load) {
      await options.catchUp();
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      const startedAt = generation;
      const value = await load();
      // Frozen: every caller shares the one object.
      if (value !== undefined && startedAt === generation) cache.set(key, Object.freeze(value));
      return value;
    },
    delete(key) {
      generation += 1;
      cache.delete(key);
    },
    deleteWhere(matches) {
      generation += 1;
      const doomed = [...cache.entries()].filter(([, value]) => matches(value)).map(([key]) => key);
      for (const key of doomed) cache.delete(key);
    },
    clear() {
      generation += 1;
      cache.clear();
    },
  };
}
