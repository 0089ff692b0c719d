import { createRequire } from 'node:module';
import type { FastifyRateLimitStore as Store, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import { batchedRedisStore } from './batched-redis-store.js';

type StoreClass<A extends unknown[]> = new (...args: A) => Store;

// The plugin's own memory store (CommonJS, no typings of its own); Redis is counted by batched-redis-store.ts.
const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore') as StoreClass<[boolean, boolean, number?]>;

/** How many distinct keys each route counts in memory while Redis is away. */
const LOCAL_KEYS = 10_000;

/**
 * Counts in Redis while it answers (batched far from a limit: batched-redis-store.ts), so every instance shares one budget; in this instance's memory
 * while it does not (down, reconnecting, a command failing), so limits still hold and requests are
 * never held waiting on a Redis that is not there. `onChange` hears each switch (the app logs it).
 */
export function fallbackStore(redis: Redis, nameSpace: string, onChange: (usingRedis: boolean, error?: unknown) => void): FastifyRateLimitStoreCtor {
  let usingRedis = true;
  const switchTo = (next: boolean, error?: unknown) => {
    if (next === usingRedis) return;
    usingRedis = next;
    onChange(next, error);
  };

  function both(shared: Store, local: Store): Store {
    return {
      incr(key, callback, timeWindow, max) {
        if (redis.status !== 'ready') {
          switchTo(false, new Error(`redis is ${redis.status}`));
          local.incr(key, callback, timeWindow, max);
          return;
        }
        shared.incr(
          key,
          (error, result) => {
            if (error) {
              switchTo(false, error);
              local.incr(key, callback, timeWindow, max);
              return;
            }
            switchTo(true);
            callback(null, result);
          },
          timeWindow,
          max,
        );
      },
      child: (routeOptions) => both(shared.child(routeOptions), local.child(routeOptions)),
    };
  }

  // @fastify/rate-limit constructs the store with its global options, then asks it for a child per route.
  return class FallbackStore implements Store {
    readonly store: Store;
    constructor(options: { continueExceeding?: boolean; exponentialBackoff?: boolean }) {
      // Fixed windows only: the shared store counts nothing else.
      if (options.continueExceeding || options.exponentialBackoff) throw new Error('rate limits: only fixed windows are counted in Redis');
      this.store = both(batchedRedisStore(redis, nameSpace), new LocalStore(false, false, LOCAL_KEYS));
    }
    incr(...args: Parameters<Store['incr']>): void {
      this.store.incr(...args);
    }
    child(routeOptions: Parameters<Store['child']>[0]): Store {
      return this.store.child(routeOptions);
    }
  };
}
