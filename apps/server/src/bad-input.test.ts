import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clinicState } from './test/clinic-state.js';
import { DIALECTS } from './test/databases.js';
import { TEST_PASSWORD, nextPhone, startTestApp, type TestApp } from './test/test-app.js';

type Role = 'admin' | 'receptionist' | 'doctor';
type Method = 'POST' | 'PATCH';

/** One write route with a valid body and the ways a client can get it wrong. */
interface WriteRoute {
  name: string;
  method: Method;
  url: () => string;
  /** The url carries an id (`/tokens/:id/…`), which must itself be well-formed. */
  idInPath?: boolean;
  role?: Role;
  /** A body the route accepts (or would, but for the token's status), so each variant breaks one thing. */
  valid: () => Record<string, unknown>;
  /** Bodies with a field of the wrong type, and the path the 400 must name. */
  wrongTypes: (() => [body: unknown, path: string])[];
  /** A body missing a required field, and the path the 400 must name; none when nothing is required. */
  missing?: () => [body: unknown, path: string];
}

const ONE_MEGABYTE = 1024 * 1024;
const PROBLEM_FIELDS = ['type', 'title', 'status', 'detail', 'code', 'requestId'];

/** Asserts a refused request: the status, a complete problem+json body, and never a 500. */
function expectProblem(res: LightMyRequestResponse, status: number | number[], code?: string) {
  const allowed = Array.isArray(status) ? status : [status];
  expect(allowed, `${res.statusCode} ${res.body}`).toContain(res.statusCode);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Record<string, unknown>>();
  for (const field of PROBLEM_FIELDS) expect(body, `${field} in ${res.body}`).toHaveProperty(field);
  expect(body.status).toBe(res.statusCode);
  expect(typeof body.detail === 'string' && body.detail.length > 0).toBe(true);
  expect(body.requestId).toBe(res.headers['x-request-id']);
  if (code) expect(body.code).toBe(code);
  return body as { code: string; detail: string; errors?: { path: string; message: string }[] };
}

const pathsOf = (problem: { errors?: { path: string }[] }) => (problem.errors ?? []).map((e) => e.path);

describe.each(DIALECTS)('bad input on %s', (dialect) => {
  let t: TestApp;
  let gen: Awaited<ReturnType<TestApp['department']>>;
  let lab: Awaited<ReturnType<TestApp['department']>>;
  let kiosk: Awaited<ReturnType<TestApp['department']>>;
  let waiting: { id: string; number: string };
  let called: { id: string; number: string };
  let refreshToken: string;
  const headers: Partial<Record<Role, Record<string, string>>> = {};

  async function issue(departmentId: string) {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: headers.receptionist,
      payload: { departmentId, patient: { name: 'Asha Rao', phone: nextPhone() } },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; number: string }>();
  }

  beforeAll(async () => {
    t = await startTestApp(dialect);
    for (const role of ['admin', 'receptionist', 'doctor'] as const) headers[role] = await t.as(role);
    gen = await t.department({ code: 'GEN', name: 'General OPD', counters: 2 });
    lab = await t.department({ code: 'LAB', name: 'Laboratory', counters: 1 });
    kiosk = await t.department({ code: 'KIO', name: 'Walk-in', counters: 1, selfCheckIn: true });
    waiting = await issue(gen.id);
    called = await issue(gen.id);
    const call = await t.inject({ method: 'POST', url: `/api/v1/tokens/${called.id}/call`, headers: headers.doctor, payload: { counterId: gen.counters[0]!.id } });
    expect(call.statusCode, call.body).toBe(200);
    refreshToken = (await t.signIn.signIn('admin@test.local', TEST_PASSWORD)).refreshToken;
  });
  afterAll(() => t.close());

  const simpleAction = (action: string): WriteRoute => ({
    name: `POST /tokens/:id/${action}`,
    method: 'POST',
    url: () => `/api/v1/tokens/${called.id}/${action}`, idInPath: true,
    role: 'doctor',
    valid: () => ({}),
    wrongTypes: [() => [[], 'body'], () => ['start', 'body']],
  });

  const routes: WriteRoute[] = [
    {
      name: 'POST /tokens',
      method: 'POST',
      url: () => '/api/v1/tokens',
      role: 'receptionist',
      valid: () => ({ departmentId: gen.id, patient: { name: 'Ravi Kumar', phone: nextPhone() } }),
      wrongTypes: [
        () => [{ departmentId: 42, patient: { name: 'Ravi', phone: nextPhone() } }, 'body.departmentId'],
        () => [{ departmentId: gen.id, patient: 'Ravi' }, 'body.patient'],
        () => [{ departmentId: gen.id, patient: { name: 'Ravi', phone: 9812345678 } }, 'body.patient.phone'],
        () => [{ departmentId: gen.id, patient: { name: 'Ravi', phone: nextPhone() }, priority: 'urgent' }, 'body.priority'],
        () => [{ departmentId: gen.id, patient: { name: 'Ravi', phone: nextPhone() }, notify: { channel: 'sms', consent: 'yes' } }, 'body.notify.consent'],
      ],
      missing: () => [{ departmentId: gen.id, patient: { name: 'Ravi' } }, 'body.patient.phone'],
    },
    {
      name: 'POST /departments',
      method: 'POST',
      url: () => '/api/v1/departments',
      role: 'admin',
      valid: () => ({ name: 'Radiology', code: 'RAD' }),
      wrongTypes: [
        () => [{ name: 'Radiology', code: 7 }, 'body.code'],
        () => [{ name: 'Radiology', code: 'RAD1' }, 'body.code'],
        () => [{ name: 'Radiology', code: 'RAD', selfCheckIn: 'yes' }, 'body.selfCheckIn'],
        () => [{ name: 'Radiology', code: 'RAD', maxWaitMinutes: '45' }, 'body.maxWaitMinutes'],
      ],
      missing: () => [{ name: 'Radiology' }, 'body.code'],
    },
    {
      name: 'PATCH /departments/:id',
      method: 'PATCH',
      url: () => `/api/v1/departments/${gen.id}`, idInPath: true,
      role: 'admin',
      valid: () => ({ name: 'General OPD' }),
      wrongTypes: [
        () => [{ name: 5 }, 'body.name'],
        () => [{ selfCheckIn: 1 }, 'body.selfCheckIn'],
        () => [{ maxRecalls: '3' }, 'body.maxRecalls'],
      ],
    },
    {
      name: 'POST /counters',
      method: 'POST',
      url: () => '/api/v1/counters',
      role: 'admin',
      valid: () => ({ departmentId: gen.id, name: 'Room 9' }),
      wrongTypes: [() => [{ departmentId: 1, name: 'Room 9' }, 'body.departmentId'], () => [{ departmentId: gen.id, name: ['Room'] }, 'body.name']],
      missing: () => [{ name: 'Room 9' }, 'body.departmentId'],
    },
    {
      name: 'POST /users',
      method: 'POST',
      url: () => '/api/v1/users',
      role: 'admin',
      valid: () => ({ email: 'new.nurse@test.local', name: 'New Nurse', role: 'receptionist', password: TEST_PASSWORD }),
      wrongTypes: [
        () => [{ email: 'new.nurse@test.local', name: 'New Nurse', role: 'superuser', password: TEST_PASSWORD }, 'body.role'],
        () => [{ email: 'not-an-email', name: 'New Nurse', role: 'receptionist', password: TEST_PASSWORD }, 'body.email'],
        () => [{ email: 'new.nurse@test.local', name: 'New Nurse', role: 'receptionist', password: 123456789012345 }, 'body.password'],
      ],
      missing: () => [{ email: 'new.nurse@test.local', name: 'New Nurse', role: 'receptionist' }, 'body.password'],
    },
    {
      name: 'POST /counters/:id/call-next',
      method: 'POST',
      url: () => `/api/v1/counters/${lab.counters[0]!.id}/call-next`, idInPath: true,
      role: 'doctor',
      valid: () => ({}),
      wrongTypes: [() => [[], 'body'], () => [7, 'body']],
    },
    {
      name: 'POST /tokens/:id/call',
      method: 'POST',
      url: () => `/api/v1/tokens/${waiting.id}/call`, idInPath: true,
      role: 'doctor',
      valid: () => ({ counterId: gen.counters[1]!.id }),
      wrongTypes: [() => [{ counterId: 12 }, 'body.counterId'], () => [{ counterId: 'not an id!' }, 'body.counterId']],
      missing: () => [{}, 'body.counterId'],
    },
    simpleAction('recall'),
    simpleAction('start'),
    {
      name: 'POST /tokens/:id/complete',
      method: 'POST',
      url: () => `/api/v1/tokens/${called.id}/complete`, idInPath: true,
      role: 'doctor',
      valid: () => ({}),
      wrongTypes: [() => [{ nextDepartmentId: 3 }, 'body.nextDepartmentId'], () => [[lab.id], 'body']],
    },
    {
      name: 'POST /tokens/:id/transfer',
      method: 'POST',
      url: () => `/api/v1/tokens/${called.id}/transfer`, idInPath: true,
      role: 'doctor',
      valid: () => ({ departmentId: lab.id }),
      wrongTypes: [() => [{ departmentId: { id: lab.id } }, 'body.departmentId']],
      missing: () => [{}, 'body.departmentId'],
    },
    simpleAction('park'),
    simpleAction('no-show'),
    simpleAction('cancel'),
    simpleAction('undo'),
    {
      name: 'POST /auth/login',
      method: 'POST',
      url: () => '/api/v1/auth/login',
      valid: () => ({ email: 'admin@test.local', password: TEST_PASSWORD }),
      wrongTypes: [
        () => [{ email: 5, password: TEST_PASSWORD }, 'body.email'],
        () => [{ email: 'admin@test.local', password: TEST_PASSWORD, otp: 'abcdef' }, 'body.otp'],
      ],
      missing: () => [{ email: 'admin@test.local' }, 'body.password'],
    },
    {
      name: 'POST /auth/refresh',
      method: 'POST',
      url: () => '/api/v1/auth/refresh',
      valid: () => ({ refreshToken }),
      wrongTypes: [() => [{ refreshToken: 12345 }, 'body.refreshToken'], () => [['token'], 'body']],
    },
    {
      name: 'POST /public/status',
      method: 'POST',
      url: () => '/api/v1/public/status',
      valid: () => ({ token: called.number, phoneLast4: '0000' }),
      wrongTypes: [
        () => [{ token: called.number, phoneLast4: 1234 }, 'body.phoneLast4'],
        () => [{ token: 'GEN4', phoneLast4: '1234' }, 'body.token'],
        () => [{ token: called.number, phoneLast4: '12345' }, 'body.phoneLast4'],
      ],
      missing: () => [{ token: called.number }, 'body.phoneLast4'],
    },
    {
      name: 'POST /public/check-in',
      method: 'POST',
      url: () => '/api/v1/public/check-in',
      valid: () => ({ departmentId: kiosk.id, name: 'Meera Das', phone: nextPhone() }),
      wrongTypes: [
        () => [{ departmentId: kiosk.id, name: 'Meera Das', phone: 9812345678 }, 'body.phone'],
        () => [{ departmentId: kiosk.id, name: '', phone: nextPhone() }, 'body.name'],
        () => [{ departmentId: kiosk.id, name: 'Meera Das', phone: 'call me maybe' }, 'body.phone'],
      ],
      missing: () => [{ name: 'Meera Das', phone: nextPhone() }, 'body.departmentId'],
    },
  ];

  /** Sends one request and checks that it changed nothing in the database. */
  async function send(route: WriteRoute, options: { payload?: string | object; headers?: Record<string, string>; url?: string }) {
    const before = await clinicState(t.app.database.db);
    const res = await t.inject({
      method: route.method,
      url: options.url ?? route.url(),
      headers: { ...(route.role && headers[route.role]), ...options.headers },
      ...(options.payload !== undefined && { payload: options.payload }),
    });
    expect(await clinicState(t.app.database.db), `${route.name} wrote something`).toEqual(before);
    return res;
  }

  const json = { 'content-type': 'application/json' };

  it.each(routes.map((r) => [r.name, r] as const))('%s answers malformed JSON with 400 VALIDATION_FAILED and writes nothing', async (_name, route) => {
    for (const text of ['{"departmentId": ', '{name: "x"}', "{'a': 1}", '{"a": 1,}', '{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {"x": 1}}}']) {
      const res = await send(route, { payload: text, headers: json });
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(pathsOf(problem)).toContain('body');
    }
  });

  it.each(routes.map((r) => [r.name, r] as const))('%s rejects an unknown field with a 400 that names it', async (_name, route) => {
    const res = await send(route, { payload: { ...route.valid(), foo: 'bar' } });
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(pathsOf(problem)).toContain('body.foo');
    expect(problem.detail).toContain('foo');
  });

  it.each(routes.map((r) => [r.name, r] as const))('%s rejects fields of the wrong type, naming each', async (_name, route) => {
    for (const make of route.wrongTypes) {
      const [body, path] = make();
      const res = await send(route, { payload: JSON.stringify(body), headers: json });
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(pathsOf(problem), JSON.stringify(body)).toContain(path);
    }
  });

  it.each(routes.filter((r) => r.missing).map((r) => [r.name, r] as const))('%s rejects a body missing a required field, naming it', async (_name, route) => {
    const [body, path] = route.missing!();
    const problem = expectProblem(await send(route, { payload: JSON.stringify(body), headers: json }), 400, 'VALIDATION_FAILED');
    expect(pathsOf(problem)).toContain(path);
    if (route.method === 'POST' && route.valid && Object.keys(route.valid()).length > 0) {
      // No body at all is missing every field, not a crash.
      expectProblem(await send(route, {}), 400, 'VALIDATION_FAILED');
      expectProblem(await send(route, { payload: 'null', headers: json }), 400, 'VALIDATION_FAILED');
    }
  });

  it.each(routes.map((r) => [r.name, r] as const))('%s refuses a 1 MB string with 413 or 400, never a 500', async (_name, route) => {
    const huge = 'x'.repeat(ONE_MEGABYTE);
    const res = await send(route, { payload: { ...route.valid(), name: huge } });
    expectProblem(res, [413, 400]);
    if (res.statusCode === 413) expect(res.json<{ code: string }>().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each(routes.map((r) => [r.name, r] as const))('%s refuses a text/plain body with 415', async (_name, route) => {
    const res = await send(route, { payload: JSON.stringify(route.valid()), headers: { 'content-type': 'text/plain' } });
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const form = await send(route, { payload: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectProblem(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it.each(routes.filter((r) => r.idInPath).map((r) => [r.name, r] as const))(
    '%s rejects a malformed id in the path with 400 naming params.id',
    async (_name, route) => {
      const url = route.url().replace(/(\/(?:tokens|counters|departments)\/)[^/]+/, '$1not%20an%20id!');
      const problem = expectProblem(await send(route, { url, payload: route.valid() }), 400, 'VALIDATION_FAILED');
      expect(pathsOf(problem)).toContain('params.id');
    },
  );

  it('refuses negative, fractional and huge numbers for the department settings, naming the field', async () => {
    const create = routes.find((r) => r.name === 'POST /departments')!;
    const patch = routes.find((r) => r.name === 'PATCH /departments/:id')!;
    const bad: [string, unknown][] = [
      ['maxWaitMinutes', -1],
      ['maxWaitMinutes', 0],
      ['maxWaitMinutes', 1e9],
      ['maxWaitMinutes', 2.5],
      ['maxWaitMinutes', Number.MAX_SAFE_INTEGER + 2],
      ['maxRecalls', -1],
      ['maxRecalls', 1_000_000],
      ['parkReturnAfter', -5],
      ['parkReturnAfter', 0],
      ['parkReturnAfter', 1e12],
    ];
    for (const [field, value] of bad) {
      for (const route of [create, patch]) {
        const res = await send(route, { payload: { ...route.valid(), [field]: value } });
        expect(pathsOf(expectProblem(res, 400, 'VALIDATION_FAILED')), `${route.name} ${field}=${String(value)}`).toContain(`body.${field}`);
      }
    }
    // A number too large for a double arrives as Infinity, and is refused like any other.
    const infinite = await send(create, { payload: '{"name":"Radiology","code":"RAD","maxRecalls":1e999}', headers: json });
    expect(pathsOf(expectProblem(infinite, 400, 'VALIDATION_FAILED'))).toContain('body.maxRecalls');
  });

  it('refuses a negative, zero, huge or non-numeric queue limit and an unknown query parameter', async () => {
    for (const query of ['limit=-1', 'limit=0', 'limit=1000001', 'limit=1e30', 'limit=abc', 'limit=2.5', 'limit=', 'limit=1&limit=2']) {
      const res = await t.inject({ method: 'GET', url: `/api/v1/departments/${gen.id}/queue?${query}`, headers: headers.receptionist });
      expect(pathsOf(expectProblem(res, 400, 'VALIDATION_FAILED')), query).toContain('querystring.limit');
    }
    const unknown = await t.inject({ method: 'GET', url: `/api/v1/departments/${gen.id}/queue?foo=1`, headers: headers.receptionist });
    expect(pathsOf(expectProblem(unknown, 400, 'VALIDATION_FAILED'))).toContain('querystring.foo');
    const ok = await t.inject({ method: 'GET', url: `/api/v1/departments/${gen.id}/queue?limit=1`, headers: headers.receptionist });
    expect(ok.statusCode).toBe(200);
  });

  it('refuses a string containing a NUL character instead of failing in the database', async () => {
    const tokens = routes.find((r) => r.name === 'POST /tokens')!;
    const res = await send(tokens, { payload: { departmentId: gen.id, patient: { name: 'Asha\u0000Rao', phone: nextPhone() } } });
    expect(pathsOf(expectProblem(res, 400, 'VALIDATION_FAILED'))).toContain('body.patient.name');
    const login = routes.find((r) => r.name === 'POST /auth/login')!;
    expectProblem(await send(login, { payload: { email: 'admin\u0000@test.local', password: TEST_PASSWORD } }), 400, 'VALIDATION_FAILED');
    const dept = routes.find((r) => r.name === 'POST /departments')!;
    expectProblem(await send(dept, { payload: { name: 'Rad\u0000iology', code: 'RAD' } }), 400, 'VALIDATION_FAILED');
  });

  it('takes JSON only under its own media type: look-alikes are 415, parameters and case are fine', async () => {
    const status = routes.find((r) => r.name === 'POST /public/status')!;
    for (const type of ['application/jsonp', 'application/json-patch+json', 'text/json', 'application/x-json', 'multipart/form-data; boundary=x']) {
      expectProblem(await send(status, { payload: JSON.stringify(status.valid()), headers: { 'content-type': type } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    for (const type of ['application/json; charset=utf-8', 'APPLICATION/JSON']) {
      const res = await send(status, { payload: JSON.stringify(status.valid()), headers: { 'content-type': type } });
      expect(res.statusCode, `${type}: ${res.body}`).toBe(404);
    }
  });

  it('reads JSON as UTF-8 only: another declared charset is 415, invalid UTF-8 bytes are 400, and nothing is stored', async () => {
    const tokens = routes.find((r) => r.name === 'POST /tokens')!;
    const body = JSON.stringify(tokens.valid());
    for (const charset of ['utf-16', 'UTF-16LE', 'iso-8859-1', '"latin1"']) {
      const res = await send(tokens, { payload: body, headers: { 'content-type': `application/json; charset=${charset}` } });
      expect(expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE').detail).toContain('UTF-8');
    }
    // "Ra\xffvi": a lone 0xFF is never UTF-8; it used to be stored as "Ra\uFFFDvi".
    const bad = Buffer.concat([Buffer.from(`{"departmentId":"${gen.id}","patient":{"name":"Ra`), Buffer.from([0xff]), Buffer.from(`vi","phone":"${nextPhone()}"}}`)]);
    expect(pathsOf(expectProblem(await send(tokens, { payload: bad, headers: json }), 400, 'VALIDATION_FAILED'))).toContain('body');
    const overlong = Buffer.concat([Buffer.from(`{"departmentId":"${gen.id}","patient":{"name":"`), Buffer.from([0xc0, 0xaf]), Buffer.from(`","phone":"${nextPhone()}"}}`)]);
    expectProblem(await send(tokens, { payload: overlong, headers: json }), 400, 'VALIDATION_FAILED');
    const ok = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: { ...headers.receptionist, 'content-type': 'application/json; charset=UTF-8' }, payload: Buffer.from(JSON.stringify({ ...tokens.valid(), patient: { name: 'Zoë Ångström', phone: nextPhone() } }), 'utf8') });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json<{ patient: { name: string } }>().patient.name).toBe('Zoë Ångström');
  });

  it('caps a body at 20 levels of nesting and 2000 fields and items, before any route reads it', async () => {
    const tokens = routes.find((r) => r.name === 'POST /tokens')!;
    const deep = `{"departmentId":"${gen.id}","patient":{"name":"Ravi","phone":"${nextPhone()}"},"extra":${'['.repeat(21)}1${']'.repeat(21)}}`;
    const tooDeep = expectProblem(await send(tokens, { payload: deep, headers: json }), 400, 'VALIDATION_FAILED');
    expect(tooDeep.errors![0]!.message).toBe('nested deeper than 20 levels');
    const wide = JSON.stringify({ ...tokens.valid(), extra: Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`k${i}`, i])) });
    const tooWide = expectProblem(await send(tokens, { payload: wide, headers: json }), 400, 'VALIDATION_FAILED');
    expect(tooWide.errors).toEqual([{ path: 'body', message: 'more than 2000 fields and items' }]);
    expect(tooWide.detail).toBe('The body has more than 2000 fields and items.');
    const list = JSON.stringify(Array.from({ length: 2001 }, () => 0));
    expect(expectProblem(await send(tokens, { payload: list, headers: json }), 400, 'VALIDATION_FAILED').errors![0]!.message).toBe('more than 2000 fields and items');
  });

  it('refuses a deeply nested body, and a NUL hidden deep inside one, with 400', async () => {
    const tokens = routes.find((r) => r.name === 'POST /tokens')!;
    const depth = 20_000;
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expectProblem(await send(tokens, { payload: nested, headers: json }), 400, 'VALIDATION_FAILED');
    const hidden = `{"departmentId":"${gen.id}","patient":{"name":"Ravi","phone":"${nextPhone()}"},"extra":${'['.repeat(5000)}"\u0000"${']'.repeat(5000)}}`;
    expectProblem(await send(tokens, { payload: hidden, headers: json }), 400, 'VALIDATION_FAILED');
  });

  it('answers an unauthenticated write with 401 before reading its body', async () => {
    for (const route of routes.filter((r) => r.role)) {
      const res = await send(route, { payload: '{"broken', headers: { ...json, authorization: 'Bearer not-a-token' } });
      expectProblem(res, 401, 'UNAUTHENTICATED');
    }
  });

  describe('ids of other or unknown departments, counters and tokens', () => {
    const staff = (role: Role, method: Method, url: string, payload?: object) =>
      t.inject({ method, url, headers: headers[role], ...(payload && { payload }) });

    async function refused(request: () => Promise<LightMyRequestResponse>, status: number, code: string, path?: string) {
      const before = await clinicState(t.app.database.db);
      const problem = expectProblem(await request(), status, code);
      if (path) expect(pathsOf(problem)).toContain(path);
      expect(await clinicState(t.app.database.db)).toEqual(before);
      return problem;
    }

    it('refuses a counter of the laboratory calling a general token, naming the counter and the token', async () => {
      const problem = await refused(() => staff('doctor', 'POST', `/api/v1/tokens/${waiting.id}/call`, { counterId: lab.counters[0]!.id }), 400, 'VALIDATION_FAILED', 'body.counterId');
      expect(problem.detail).toContain(waiting.number);
    });

    it('refuses calling with an unknown counter, and call-next at an unknown counter', async () => {
      await refused(() => staff('doctor', 'POST', `/api/v1/tokens/${waiting.id}/call`, { counterId: 'no-such-counter' }), 400, 'VALIDATION_FAILED', 'body.counterId');
      await refused(() => staff('doctor', 'POST', '/api/v1/counters/no-such-counter/call-next'), 404, 'NOT_FOUND');
    });

    it('refuses a transfer to an unknown department and leaves the token where it was', async () => {
      await refused(() => staff('doctor', 'POST', `/api/v1/tokens/${called.id}/transfer`, { departmentId: 'no-such-department' }), 400, 'VALIDATION_FAILED', 'body.departmentId');
    });

    it('refuses completing with an unknown next department and leaves the token called', async () => {
      await refused(() => staff('doctor', 'POST', `/api/v1/tokens/${called.id}/complete`, { nextDepartmentId: 'no-such-department' }), 400, 'VALIDATION_FAILED', 'body.nextDepartmentId');
      const token = await staff('doctor', 'POST', `/api/v1/tokens/${called.id}/start`);
      expect(token.statusCode, token.body).toBe(200);
      await refused(() => staff('doctor', 'POST', `/api/v1/tokens/${called.id}/complete`, { nextDepartmentId: 'no-such-department' }), 400, 'VALIDATION_FAILED', 'body.nextDepartmentId');
      expect((await staff('doctor', 'POST', `/api/v1/tokens/${called.id}/undo`)).json<{ token: { status: string } }>().token.status).toBe('called');
    });

    it('refuses issuing a token into, or a counter for, an unknown department', async () => {
      await refused(
        () => staff('receptionist', 'POST', '/api/v1/tokens', { departmentId: 'no-such-department', patient: { name: 'Asha Rao', phone: nextPhone() } }),
        400,
        'VALIDATION_FAILED',
        'body.departmentId',
      );
      await refused(() => staff('admin', 'POST', '/api/v1/counters', { departmentId: 'no-such-department', name: 'Room 1' }), 400, 'VALIDATION_FAILED', 'body.departmentId');
      await refused(() => staff('admin', 'PATCH', '/api/v1/departments/no-such-department', { name: 'Nowhere' }), 404, 'NOT_FOUND');
    });

    it('refuses an issue with an unknown department even with an Idempotency-Key, remembering nothing', async () => {
      await refused(
        () =>
          t.inject({
            method: 'POST',
            url: '/api/v1/tokens',
            headers: { ...headers.receptionist, 'idempotency-key': 'unknown-dept-1' },
            payload: { departmentId: 'no-such-department', patient: { name: 'Asha Rao', phone: nextPhone() } },
          }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('refuses actions on an unknown token with 404 naming it', async () => {
      for (const action of ['recall', 'start', 'park', 'no-show', 'cancel', 'undo', 'complete']) {
        const problem = await refused(() => staff('doctor', 'POST', `/api/v1/tokens/no-such-token/${action}`), 404, 'NOT_FOUND');
        expect(problem.detail).toContain('no-such-token');
      }
    });

    it('refuses self check-in into an unknown department and into one without self check-in', async () => {
      await refused(
        () => t.inject({ method: 'POST', url: '/api/v1/public/check-in', payload: { departmentId: 'no-such-department', name: 'Meera Das', phone: nextPhone() } }),
        400,
        'VALIDATION_FAILED',
      );
      await refused(() => t.inject({ method: 'POST', url: '/api/v1/public/check-in', payload: { departmentId: gen.id, name: 'Meera Das', phone: nextPhone() } }), 403, 'SELF_CHECK_IN_DISABLED');
    });

    it('refuses a department code that is taken with 409 and a phone that is no number with 400', async () => {
      await refused(() => staff('admin', 'POST', '/api/v1/departments', { name: 'Another', code: 'gen' }), 409, 'CONFLICT');
      await refused(() => staff('receptionist', 'POST', '/api/v1/tokens', { departmentId: gen.id, patient: { name: 'Asha Rao', phone: '12' } }), 400, 'VALIDATION_FAILED');
    });
  });

  it('lets exactly one of ten parallel starts of one called token through; the rest are 409', async () => {
    const token = await issue(lab.id);
    const call = await t.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/call`, headers: headers.doctor, payload: { counterId: lab.counters[0]!.id } });
    expect(call.statusCode, call.body).toBe(200);

    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/start`, headers: headers.doctor })),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, ...Array<number>(9).fill(409)]);
    for (const r of results.filter((x) => x.statusCode === 409)) {
      expect(expectProblem(r, 409, 'INVALID_TRANSITION').detail).toContain(token.number);
    }
    const starts = await t.app.database.db.selectFrom('token_transitions').select('id').where('token_id', '=', token.id).where('action', '=', 'start').execute();
    expect(starts).toHaveLength(1);
  });
});
