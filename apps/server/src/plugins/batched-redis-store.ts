import type { FastifyRateLimitStore as Store } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

/**
 * A limit this large is counted here first and sent to Redis in batches while its count is under
 * half of it (a signed-in person's 600 a minute); smaller limits (sign-in 5, status 10, anonymous
 * 60) are counted in Redis on every request, exactly, as are all counts past the half.
 */
export const BATCHED_FROM_MAX = 100;
const LOCAL_SHARE = 0.5;
/** How long a count may wait here before Redis hears of it. */
export const FLUSH_MS = 200;
/** Keys remembered between flushes; past this every request is counted in Redis. */
const MAX_TALLIES = 50_000;

// INCRBY that starts the window's expiry with the key, as @fastify/rate-limit's own script does for INCR.
const INCR_BY = `
  local current = redis.call('INCRBY', KEYS[1], tonumber(ARGV[2]))
  local ttl
  if current == tonumber(ARGV[2]) then
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
    ttl = tonumber(ARGV[1])
  else
    ttl = redis.call('PTTL', KEYS[1])
  end
  return {current, ttl}
`;

type IncrBy = (key: string, timeWindow: number, by: number, callback: (error: Error | null, result?: [number, number]) => void) => void;

/** What this instance knows of one key: Redis's count at its last answer, and what it has counted since. */
interface Tally {
  shared: number;
  pending: number;
  resetAt: number;
  timeWindow: number;
}

/**
 * A rate-limit store shared by every instance through Redis, as @fastify/rate-limit's RedisStore,
 * without a Redis round trip on most staff requests (bench: ~5% of a request's CPU and one more
 * wait on the two-instance path). A key far from its limit is counted here and flushed every
 * FLUSH_MS; near its limit every request asks Redis. Instances therefore agree on every count
 * within FLUSH_MS, and a limit is never passed by more than what other instances counted in that
 * time below half the limit. Only fixed windows (no continueExceeding, no exponential backoff).
 */
export function batchedRedisStore(redis: Redis, prefix: string): Store {
  if (!('smartTokenIncrBy' in redis)) redis.defineCommand('smartTokenIncrBy', { numberOfKeys: 1, lua: INCR_BY });
  const incrBy = (redis as unknown as { smartTokenIncrBy: IncrBy }).smartTokenIncrBy.bind(redis);
  const tallies = new Map<string, Tally>();
  let flushing: ReturnType<typeof setTimeout> | undefined;

  function learn(key: string, tally: Tally, current: number, ttl: number): void {
    tally.shared = current;
    tally.resetAt = Date.now() + Math.max(0, ttl);
    if (!tallies.has(key) && tallies.size < MAX_TALLIES) tallies.set(key, tally);
    // The next pass also forgets windows that ended, so keys counted only in Redis do not pile up here.
    scheduleFlush();
  }

  function scheduleFlush(): void {
    flushing ??= setTimeout(flush, FLUSH_MS).unref();
  }

  function flush(): void {
    flushing = undefined;
    const now = Date.now();
    for (const [key, tally] of tallies) {
      if (tally.pending === 0) {
        if (now >= tally.resetAt) tallies.delete(key);
        continue;
      }
      const by = tally.pending;
      tally.pending = 0;
      // A failed flush (Redis slow past its command timeout, or away) keeps these counts for the next
      // one: losing them let two busy instances pass a limit by what they had counted. If Redis did
      // count them before the answer was lost, they count twice: the limit comes early, never late.
      incrBy(key, tally.timeWindow, by, (error, result) => {
        if (!error && result) {
          learn(key, tally, result[0], result[1]);
          return;
        }
        tally.pending += by;
        scheduleFlush();
      });
    }
  }

  function store(keyPrefix: string): Store {
    return {
      incr(id, callback, timeWindow, max) {
        const key = keyPrefix + id;
        const now = Date.now();
        const tally = tallies.get(key);
        if (tally && max >= BATCHED_FROM_MAX && now < tally.resetAt && tally.shared + tally.pending + 1 <= Math.floor(max * LOCAL_SHARE)) {
          tally.pending += 1;
          scheduleFlush();
          callback(null, { current: tally.shared + tally.pending, ttl: tally.resetAt - now });
          return;
        }
        // Exact: this request and whatever was waiting for the next flush, counted in Redis now.
        const known = tally ?? { shared: 0, pending: 0, resetAt: 0, timeWindow };
        const by = 1 + known.pending;
        known.pending = 0;
        incrBy(key, timeWindow, by, (error, result) => {
          if (error || !result) {
            callback(error ?? new Error('no answer from Redis'));
            return;
          }
          if (max >= BATCHED_FROM_MAX) learn(key, known, result[0], result[1]);
          callback(null, { current: result[0], ttl: result[1] });
        });
      },
      // Each route counts under its own name, as RedisStore's children do (the plugin passes routeInfo, its typings do not say so).
      child: (routeOptions) => {
        const { routeInfo } = routeOptions as unknown as { routeInfo: { method: string; url: string } };
        return store(`${keyPrefix}${routeInfo.method}${routeInfo.url}-`);
      },
    };
  }

  return store(prefix);
}
