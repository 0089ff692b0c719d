import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../test/databases.js';
import { nextPhone, problemOf, startTestApp, type TestApp } from '../test/test-app.js';
import { findSuspicious } from './input-detector.js';

describe('findSuspicious', () => {
  it('names the rule and the path of hostile values, never judging free text or reading secrets', () => {
    const cases: [unknown, string, string][] = [
      [{ token: "GEN-001' OR '1'='1" }, 'sql-injection', 'body.token'],
      [{ email: 'x@y.z; DROP TABLE users' }, 'sql-injection', 'body.email'],
      [{ phone: "1' UNION SELECT password FROM users--" }, 'sql-injection', 'body.phone'],
      [{ departmentId: '1; pg_sleep(5)' }, 'sql-injection', 'body.departmentId'],
      [{ email: '<script>alert(1)</script>@x.z' }, 'xss', 'body.email'],
      [{ logo: { url: 'javascript:alert(1)' } }, 'xss', 'body.logo.url'],
      [{ file: '../../etc/passwd' }, 'path-traversal', 'body.file'],
      [{ file: '%2e%2e%2fsecret' }, 'path-traversal', 'body.file'],
      [{ email: { $ne: null } }, 'nosql-operator', 'body.email.$ne'],
      [{ role: '$where' }, 'nosql-operator', 'body.role'],
      [{ code: 'GEN\r\nSet-Cookie: x=1' }, 'crlf', 'body.code'],
      [{ list: ['ok', '<iframe src=x>'] }, 'xss', 'body.list.1'],
    ];
    for (const [value, rule, path] of cases) expect(findSuspicious(value, 'body'), JSON.stringify(value)).toEqual([{ rule, path }]);
    const clean = {
      patient: { name: "O'Brien <3 -- Robert'); DROP TABLE tokens;--", phone: '+91 98123 45678' },
      reason: 'came twice; <b>sorry</b>',
      names: { hi: 'सामान्य ओपीडी', ar: 'العيادة العامة' },
      query: "d'souza",
      password: "' OR 1=1 --",
      otp: '<script>',
      departmentId: '01JD8Z3K_abc-9',
      priority: 'emergency',
      ticker: 'Lab closes at 5 -- thank you',
    };
    expect(findSuspicious(clean, 'body')).toEqual([]);
  });

  it('walks a deep body without overflowing and stops after five findings', () => {
    let deep: unknown = '<script>';
    for (let i = 0; i < 50_000; i++) deep = [deep];
    expect(findSuspicious(deep, 'body')).toHaveLength(1);
    expect(findSuspicious(Array.from({ length: 100 }, () => '../x'), 'body')).toHaveLength(5);
  });
});

describe.each(DIALECTS)('the suspicious-input detector on %s', (dialect) => {
  describe('in log mode (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    it('records a probe with its rule, field and route (never the value) and lets the schema answer', async () => {
      const probe = "GEN-001' OR '1'='1";
      const res = await t.inject({ method: 'POST', url: '/api/v1/public/status', remoteAddress: '198.51.100.77', payload: { token: probe, phoneLast4: '1234' } });
      expect(problemOf(res).code).toBe('VALIDATION_FAILED');
      const event = t.security.find((e) => e.type === 'input.suspicious');
      expect(event).toMatchObject({ type: 'input.suspicious', reason: 'sql-injection in body.token of POST /api/v1/public/status', context: { ip: '198.51.100.77' } });
      expect(JSON.stringify(t.security)).not.toContain(probe);
      const feed = await t.inject({ method: 'GET', url: '/api/v1/admin/security/events?kind=detector', headers: await t.as('admin') });
      expect(feed.json<{ top: { rules: unknown[] } }>().top.rules).toEqual([{ kind: 'detector', rule: 'sql-injection', count: 1 }]);
    });

    it('takes a name like O’Brien <3, stores it as typed and records nothing', async () => {
      const before = t.security.filter((e) => e.type === 'input.suspicious').length;
      const gen = await t.department({ code: 'DETL' });
      const name = "Seán O'Brien <3 & co -- \"Bob\"; <script>alert(1)</script>";
      const res = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId: gen.id, patient: { name, phone: nextPhone() } } });
      expect(res.statusCode, res.body).toBe(201);
      const read = await t.inject({ method: 'GET', url: `/api/v1/tokens/${res.json<{ id: string }>().id}`, headers: await t.as('receptionist') });
      expect(read.json<{ patient: { name: string } }>().patient.name).toBe(name);
      expect(t.security.filter((e) => e.type === 'input.suspicious').length).toBe(before);
    });
  });

  describe('in enforce mode', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, { env: { SECURITY_INPUT_DETECTION: 'enforce' } });
    });
    afterAll(() => t.close());

    it('refuses a probe with 400 SUSPICIOUS_INPUT naming the field, and still serves free text', async () => {
      const res = await t.inject({ method: 'POST', url: '/api/v1/public/status', payload: { token: 'GEN-001<script>', phoneLast4: '1234' } });
      const problem = problemOf(res);
      expect(res.statusCode).toBe(400);
      expect(problem.code).toBe('SUSPICIOUS_INPUT');
      expect(problem.errors).toEqual([{ path: 'body.token', message: 'refused: looks like xss' }]);
      expect(problem.detail).toContain('“token”');
      const gen = await t.department({ code: 'DETE' });
      const ok = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId: gen.id, patient: { name: "D'Souza -- <3", phone: nextPhone() } } });
      expect(ok.statusCode, ok.body).toBe(201);
    });
  });
});
