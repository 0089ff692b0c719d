import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityFeed } from '@smart-token/contracts';
import { DIALECTS } from '../../test/databases.js';
import { ManualClock, TEST_PASSWORD, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

describe.each(DIALECTS)('the security feed on %s', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.parse('2026-12-02T08:10:00Z'));
  const attacker = '198.51.100.23';

  beforeAll(async () => {
    // Real per-minute limits (multiplier 1), so a limit can be hit.
    t = await startTestApp(dialect, { clock, env: { RATE_LIMIT_MULTIPLIER: '1' } });
    await t.app.services.users.createUser({ email: 'victim@test.local', name: 'Victim', role: 'receptionist', password: TEST_PASSWORD });
  });
  afterAll(() => t.close());

  const feed = async (query = ''): Promise<SecurityFeed> => {
    const res = await t.inject({ method: 'GET', url: `/api/v1/admin/security/events${query}`, headers: await t.as('admin') });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<SecurityFeed>();
  };

  it('counts refused sign-ins, blocked requests and rate-limit hits by address, route and rule', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: attacker, payload: { email: 'victim@test.local', password: `wrong password ${i}!` } });
      expect(res.statusCode).toBe(401);
    }
    // A cookie write without its CSRF header, and a doctor at an admin route: both blocked.
    const login = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'victim@test.local', password: TEST_PASSWORD } });
    const csrf = await t.inject({ method: 'POST', url: '/api/v1/auth/logout-all', cookies: { st_access: login.json<{ accessToken: string }>().accessToken } });
    expect(problemOf(csrf).code).toBe('CSRF_FAILED');
    expect((await t.inject({ method: 'GET', url: '/api/v1/users', headers: await t.as('doctor') })).statusCode).toBe(403);
    // Lookups of one number until the limit answers (the number's lockout or the per-minute limit, whichever first).
    let lookups = 0;
    for (let status = 0; status !== 429; lookups++) {
      expect(lookups, 'no limit within 20 lookups').toBeLessThan(20);
      const res = await t.inject({ method: 'POST', url: '/api/v1/public/status', remoteAddress: attacker, payload: { token: 'GEN-001', phoneLast4: '1234' } });
      status = res.statusCode;
    }

    const report = await feed();
    expect(report.byKind['sign-in']).toBe(3);
    expect(report.byKind['rate-limit']).toBe(1);
    expect(report.byKind.blocked).toBe(2);
    expect(report.total).toBe(6);
    expect(report.top.ips[0]).toEqual({ ip: attacker, count: 4 });
    expect(report.top.rules).toEqual(
      expect.arrayContaining([
        { kind: 'sign-in', rule: 'login.failed', count: 3 },
        { kind: 'blocked', rule: 'CSRF_FAILED', count: 1 },
        { kind: 'blocked', rule: 'FORBIDDEN', count: 1 },
        { kind: 'rate-limit', rule: 'RATE_LIMITED', count: 1 },
      ]),
    );
    expect(report.top.routes).toEqual(expect.arrayContaining([{ route: '/api/v1/auth/login', count: 3 }, { route: '/api/v1/public/status', count: 1 }]));
    // An hour per entry over the last 24 h (25: the first and the current one are partial), the events in the current one.
    expect(report.hourly).toHaveLength(25);
    expect(report.hourly[0]!.at).toBe('2026-12-01T08:00:00.000Z');
    expect(report.hourly.at(-1)!.counts).toEqual({ 'sign-in': 3, 'rate-limit': 1, blocked: 2, detector: 0 });
  });

  it('keeps each hour apart and filters by kind, address and time', async () => {
    clock.advance(2 * 60 * 60_000);
    const late = await t.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '203.0.113.9', payload: { email: 'victim@test.local', password: 'another wrong one!' } });
    expect(late.statusCode, late.body).toBe(401);
    const report = await feed();
    const busy = report.hourly.filter((h) => Object.values(h.counts).some((n) => n > 0));
    expect(busy.map((h) => h.at)).toEqual(['2026-12-02T08:00:00.000Z', '2026-12-02T10:00:00.000Z']);
    expect((await feed('?kind=sign-in')).total).toBe(4);
    expect((await feed('?kind=blocked')).total).toBe(2);
    expect((await feed(`?ip=${attacker}`)).total).toBe(4);
    expect((await feed('?from=2026-12-02T09:00:00Z')).total).toBe(1);
    expect((await feed('?rule=login.failed&route=%2Fapi%2Fv1%2Fauth%2Flogin')).total).toBe(4);
  });

  it('is for admins only, and refuses a range that is backwards or longer than 31 days', async () => {
    expect((await t.inject({ method: 'GET', url: '/api/v1/admin/security/events', headers: await t.as('receptionist') })).statusCode).toBe(403);
    expect((await t.inject({ method: 'GET', url: '/api/v1/admin/security/events' })).statusCode).toBe(401);
    for (const query of ['?from=2026-12-02T10:00:00Z&to=2026-12-02T09:00:00Z', '?from=2026-10-01T00:00:00Z&to=2026-12-02T00:00:00Z', '?kind=everything', '?since=yesterday']) {
      const res = await t.inject({ method: 'GET', url: `/api/v1/admin/security/events${query}`, headers: await t.as('admin') });
      expect(res.statusCode, query).toBe(400);
    }
  });
});
