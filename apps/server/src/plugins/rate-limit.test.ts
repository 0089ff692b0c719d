import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemOf, startTestApp, type TestApp } from '../test/test-app.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('rate limits shared through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  // A fresh client address per run, so counters left in Redis by an earlier run never meet this one.
  const client = `10.${randomInt(255)}.${randomInt(255)}.${randomInt(1, 255)}`;

  beforeAll(async () => {
    // 60/min × 0.05 = 3 lookups a minute per address.
    const env = { REDIS_URL, RATE_LIMIT_MULTIPLIER: '0.05' };
    a = await startTestApp('sqlite', { env });
    b = await startTestApp('sqlite', { env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('counts one address across two instances and answers 429 with Retry-After past the limit', async () => {
    const lookup = (t: TestApp) => t.inject({ method: 'GET', url: '/api/v1/public/status/unknown-key', remoteAddress: client });
    expect((await lookup(a)).statusCode).toBe(404);
    expect((await lookup(b)).statusCode).toBe(404);
    expect((await lookup(a)).statusCode).toBe(404);
    const limited = await lookup(b);
    expect(limited.statusCode).toBe(429);
    expect(problemOf(limited).code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address still gets through.
    expect((await b.inject({ method: 'GET', url: '/api/v1/public/status/unknown-key', remoteAddress: `10.${randomInt(255)}.${randomInt(255)}.${randomInt(1, 255)}` })).statusCode).toBe(404);
  });
});
