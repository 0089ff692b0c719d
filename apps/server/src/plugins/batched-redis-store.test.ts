import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { BATCHED_FROM_MAX, FLUSH_MS, batchedRedisStore } from './batched-redis-store.js';

type Callback = (error: Error | null, result?: [number, number]) => void;

/** Redis as the store sees it: one INCRBY command, whose answers the test decides. */
function fakeRedis(answer: (by: number) => Error | undefined) {
  let count = 0;
  const redis = {
    defineCommand: () => undefined,
    smartTokenIncrBy(_key: string, timeWindow: number, by: number, callback: Callback) {
      const failure = answer(by);
      if (failure) return callback(failure);
      count += by;
      callback(null, [count, timeWindow]);
    },
  };
  return { redis: redis as unknown as Redis, counted: () => count };
}

const incr = (store: ReturnType<typeof batchedRedisStore>, max: number) =>
  new Promise<number>((resolve, reject) => store.incr('10.0.0.1', (error, result) => (error ? reject(error) : resolve(result!.current)), 60_000, max));

describe('the batched rate-limit store', () => {
  it('keeps the counts of a flush Redis did not answer, and sends them with the next one', async () => {
    vi.useFakeTimers();
    try {
      let failNext = false;
      const fake = fakeRedis(() => (failNext ? ((failNext = false), new Error('Command timed out')) : undefined));
      const store = batchedRedisStore(fake.redis, 'test-');
      const max = BATCHED_FROM_MAX * 4;
      // The first request asks Redis (nothing known yet); the next ones are counted here.
      for (let i = 0; i < 30; i++) await incr(store, max);
      expect(fake.counted()).toBe(1);
      failNext = true;
      await vi.advanceTimersByTimeAsync(FLUSH_MS);
      expect(fake.counted()).toBe(1);
      await vi.advanceTimersByTimeAsync(FLUSH_MS);
      // Redis counted all thirty in the end: none were lost with the failed flush.
      expect(fake.counted()).toBe(30);
    } finally {
      vi.useRealTimers();
    }
  });
});
