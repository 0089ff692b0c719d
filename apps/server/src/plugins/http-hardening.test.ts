import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loggerOptions, type App } from '../app.js';
import { loadConfig } from '../config.js';
import { urlForLog } from '../lib/url-for-log.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../test/databases.js';
import { TEST_PASSWORD, problemOf, startTestApp, testEnv, textStream, type TestApp } from '../test/test-app.js';

/** Resolves with everything the server wrote before it closed the socket, and when it closed it. */
function closed(socket: Socket): Promise<{ text: string; at: number }> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve) => {
    if (socket.closed) resolve({ text, at: Date.now() });
    else socket.on('close', () => resolve({ text, at: Date.now() }));
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('urlForLog', () => {
  it('keeps a URL’s shape and drops the secrets it may carry', () => {
    expect(urlForLog('/s/AbC123_secret-key')).toBe('/s/[redacted]');
    expect(urlForLog('/s/AbC123?lang=ar')).toBe('/s/[redacted]?lang=ar');
    expect(urlForLog('/api/v1/public/status/AbC123')).toBe('/api/v1/public/status/[redacted]');
    expect(urlForLog('/api/v1/live?ticket=t0p-secret')).toBe('/api/v1/live?ticket=[redacted]');
    expect(urlForLog('/api/v1/tokens?access_token=eyJ.x.y&departmentId=d1')).toBe('/api/v1/tokens?access_token=[redacted]&departmentId=d1');
    expect(urlForLog('/api/v1/patients/search?q=9876543210')).toBe('/api/v1/patients/search?q=[redacted]');
    expect(urlForLog('/join?d=abc&code=K7PQ2X')).toBe('/join?d=[redacted]&code=[redacted]');
    expect(urlForLog('/api/v1/departments/d1/queue')).toBe('/api/v1/departments/d1/queue');
    expect(urlForLog('/status')).toBe('/status');
  });
});

describe.each(DIALECTS)('the HTTP layer on %s', (dialect) => {
  let db: TestDatabase;
  let app: App;
  let port: number;
  let log = '';

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    const config = loadConfig(testEnv(db, { LOG_LEVEL: 'info', REQUEST_TIMEOUT_SECONDS: '2', HEADERS_TIMEOUT_SECONDS: '1', KEEP_ALIVE_TIMEOUT_SECONDS: '1' }));
    app = await buildApp(config, { logger: { ...(loggerOptions(config) as object), stream: textStream((text) => (log += text)) } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('answers a body dribbled a byte at a time with 408 problem+json and closes it, while others are served', async () => {
    const slow = await Promise.all(Array.from({ length: 40 }, () => open(port)));
    const started = Date.now();
    const ends = slow.map((socket) => closed(socket));
    const timers = slow.map((socket) => {
      socket.write('POST /api/v1/public/status HTTP/1.1\r\nHost: clinic.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
      return setInterval(() => socket.writable && socket.write(' '), 300);
    });
    try {
      // The server keeps serving everyone else meanwhile.
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const results = await Promise.all(ends);
      for (const { text, at } of results) {
        expect(text).toMatch(/^HTTP\/1\.1 408 /);
        expect(text).toContain('Content-Type: application/problem+json');
        // Written by Node's client-error path, before any hook: the protective headers all the same.
        for (const header of ['x-content-type-options: nosniff', 'x-frame-options: DENY', 'cache-control: no-store']) expect(text).toContain(header);
        expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
        // 2 s allowed, checked every second: well before the minute they used to hold.
        expect(at - started).toBeLessThan(6000);
      }
    } finally {
      timers.forEach(clearInterval);
    }
  });

  it('answers headers that never finish with 408 and closes the connection', async () => {
    const socket = await open(port);
    const started = Date.now();
    const end = closed(socket);
    socket.write('GET /healthz HTTP/1.1\r\nHost: clinic.test\r\n');
    const timer = setInterval(() => socket.writable && socket.write('X-Slow: a\r\n'), 300);
    try {
      const { text, at } = await end;
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(at - started).toBeLessThan(5000);
    } finally {
      clearInterval(timer);
    }
  });

  it('closes a kept-alive connection left idle past KEEP_ALIVE_TIMEOUT_SECONDS (not after Fastify’s 72 s)', async () => {
    const socket = await open(port);
    const end = closed(socket);
    socket.write('GET /healthz HTTP/1.1\r\nHost: clinic.test\r\nConnection: keep-alive\r\n\r\n');
    // Closed by the server (a 72 s default would outlast the test's 60 s).
    const { text } = await end;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toMatch(/keep-alive: timeout=1/i);
  });

  it('answers headers that are too large with 431 problem+json', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('serves the patient’s page with no-store (a shared proxy may not keep a page whose URL is a secret)', async () => {
    for (const url of ['/s/aSecretStatusKeyThatMustNotBeCached', '/status']) {
      // npm test builds the web app first: its pages are served here.
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, `${url}: is the web app built?`).toBe(200);
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
    }
    expect((await app.inject({ method: 'GET', url: '/reception' })).headers['cache-control']).toBe('no-cache');
  });

  it('keeps status keys and query-string secrets out of the request log', async () => {
    await app.inject({ method: 'GET', url: '/s/LoggedKeyMustNotAppear123' });
    await app.inject({ method: 'GET', url: '/api/v1/auth/me?access_token=QueryTokenMustNotAppear' });
    expect(log).toContain('/s/[redacted]');
    expect(log).toContain('access_token=[redacted]');
    expect(log).not.toContain('LoggedKeyMustNotAppear123');
    expect(log).not.toContain('QueryTokenMustNotAppear');
  });

  it('sends no HSTS when the clinic is reached over plain http', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('sends HSTS when PUBLIC_URL is https', async () => {
    const own = await freshDatabase(dialect);
    const secure = await buildApp(loadConfig(testEnv(own, { PUBLIC_URL: 'https://clinic.example' })), { logger: false });
    try {
      const res = await secure.inject({ method: 'GET', url: '/healthz' });
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await secure.close();
      await own.drop();
    }
  });
});

describe.each(DIALECTS)('hosts, origins and proxies on %s', (dialect) => {
  let t: TestApp;
  const PORTAL = 'https://portal.clinic.example';

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { ALLOWED_HOSTS: 'queue.clinic.example,10.0.0.20', CORS_ORIGINS: PORTAL, TRUST_PROXY: '10.9.9.9' } });
  });
  afterAll(() => t.close());

  it('answers only to its own host names: another Host is a 400 problem before anything runs', async () => {
    for (const host of ['queue.clinic.example', 'QUEUE.clinic.example:8443', '10.0.0.20:3000', 'clinic.test']) {
      expect((await t.inject({ method: 'GET', url: '/healthz', headers: { host } })).statusCode, host).toBe(200);
    }
    for (const host of ['evil.example', 'queue.clinic.example.evil.example', '10.0.0.21']) {
      const res = await t.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host }, payload: { email: 'x@y.z', password: 'whatever-it-is' } });
      expect(res.statusCode, host).toBe(400);
      expect(problemOf(res).errors).toEqual([{ path: 'headers.host', message: 'not an allowed host' }]);
    }
  });

  it('lets an allow-listed origin call with credentials, and gives any other origin no CORS headers', async () => {
    const host = 'queue.clinic.example';
    const allowed = await t.inject({ method: 'GET', url: '/healthz', headers: { host, origin: PORTAL } });
    expect(allowed.headers['access-control-allow-origin']).toBe(PORTAL);
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    // Another site's page may read the request id and when to try again after a 429.
    expect(String(allowed.headers['access-control-expose-headers']).split(',').map((h) => h.trim())).toEqual(
      expect.arrayContaining(['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']),
    );
    for (const origin of ['https://evil.example', 'null', 'https://portal.clinic.example.evil.example', 'http://portal.clinic.example']) {
      const res = await t.inject({ method: 'GET', url: '/healthz', headers: { host, origin } });
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(res.headers['access-control-allow-credentials'], origin).toBeUndefined();
    }
    const preflight = await t.inject({
      method: 'OPTIONS',
      url: '/api/v1/tokens',
      headers: { host, origin: PORTAL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-csrf-token' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(PORTAL);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('x-csrf-token');
    const refused = await t.inject({ method: 'OPTIONS', url: '/api/v1/tokens', headers: { host, origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('believes X-Forwarded-For only from the listed proxy: a client cannot forge the address sessions record', async () => {
    const email = 'xff@test.local';
    await t.app.services.users.createUser({ email, name: 'Forwarded', role: 'receptionist', password: TEST_PASSWORD });
    const ipOfLogin = async (remoteAddress: string) => {
      const login = await t.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, headers: { host: 'queue.clinic.example', 'x-forwarded-for': '203.0.113.7' }, payload: { email, password: TEST_PASSWORD } });
      expect(login.statusCode, login.body).toBe(200);
      const auth = { host: 'queue.clinic.example', authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` };
      const sessions = (await t.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: auth })).json<{ ip: string; current: boolean }[]>();
      return sessions.find((s) => s.current)!.ip;
    };
    expect(await ipOfLogin('192.0.2.50')).toBe('192.0.2.50');
    expect(await ipOfLogin('10.9.9.9')).toBe('203.0.113.7');
  });
});

describe.each(DIALECTS)('origins by default on %s', (dialect) => {
  it('is same-origin only: no origin gets CORS headers, and any host is answered in development', async () => {
    const t = await startTestApp(dialect);
    try {
      const res = await t.inject({ method: 'GET', url: '/healthz', headers: { host: '192.168.1.40:3000', origin: 'https://portal.clinic.example' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

describe.each(DIALECTS)('the Authorization header on %s', (dialect) => {
  it('takes exactly "Bearer <token>": anything around the token is a 401, never a sign-in', async () => {
    const t = await startTestApp(dialect);
    try {
      const good = (await t.as('receptionist')).authorization!;
      const token = good.slice('Bearer '.length);
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: good } })).statusCode).toBe(200);
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `bearer ${token}` } })).statusCode).toBe(200);
      for (const header of [`Bearer ${token} junk`, `Bearer  ${token}`, `Bearer ${token},Bearer x`, `Bearer "${token}"`, `Bearer\t${token}`, `Basic ${token}`, 'Bearer']) {
        const res = await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: header } });
        expect(res.statusCode, header).toBe(401);
        expect(problemOf(res).code).toBe('UNAUTHENTICATED');
      }
    } finally {
      await t.close();
    }
  });
});

describe.each(DIALECTS)('network address lists on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(dialect, {
      env: { DENY_CIDRS: '198.51.100.0/24', STAFF_ALLOW_CIDRS: '10.0.0.0/8,127.0.0.1,2001:db8::/32', ADMIN_ALLOW_CIDRS: '10.1.0.0/16,127.0.0.1,2001:db8::/32', TRUST_PROXY: '10.9.9.9' },
    });
  });
  afterAll(() => t.close());

  const me = async (remoteAddress: string, role: 'receptionist' | 'admin', headers: Record<string, string> = {}) =>
    t.inject({ method: 'GET', url: role === 'admin' ? '/api/v1/users' : '/api/v1/auth/me', remoteAddress, headers: { ...(await t.as(role)), ...headers } });

  it('refuses a denied network everything, and staff and admin routes outside their networks, with 403', async () => {
    expect((await t.inject({ method: 'GET', url: '/healthz', remoteAddress: '198.51.100.9' })).statusCode).toBe(403);
    expect((await me('192.0.2.5', 'receptionist')).statusCode).toBe(403);
    expect((await me('10.2.3.4', 'receptionist')).statusCode).toBe(200);
    expect((await me('10.2.3.4', 'admin')).statusCode).toBe(403);
    expect((await me('10.1.2.3', 'admin')).statusCode).toBe(200);
    expect((await me('2001:db8::5', 'admin')).statusCode).toBe(200);
    expect((await me('::ffff:10.1.2.3', 'admin')).statusCode).toBe(200);
    // Patients' routes are not staff routes: any network may use them.
    expect((await t.inject({ method: 'GET', url: '/api/v1/public/status/some-key', remoteAddress: '192.0.2.5' })).statusCode).toBe(404);
  });

  it('takes the client address through the listed proxy only: a forged X-Forwarded-For changes nothing', async () => {
    expect((await me('192.0.2.5', 'admin', { 'x-forwarded-for': '10.1.2.3' })).statusCode).toBe(403);
    expect((await me('10.9.9.9', 'admin', { 'x-forwarded-for': '10.1.2.3' })).statusCode).toBe(200);
    expect((await me('10.9.9.9', 'admin', { 'x-forwarded-for': '192.0.2.5' })).statusCode).toBe(403);
  });
});

describe.each(DIALECTS)('security headers on every kind of answer on %s', (dialect) => {
  it('sends the same protective headers on a page, the API, a public answer, an error and a 404', async () => {
    const t = await startTestApp(dialect);
    try {
      const answers = {
        page: await t.inject({ method: 'GET', url: '/reception' }),
        api: await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: await t.as('receptionist') }),
        public: await t.inject({ method: 'GET', url: '/api/v1/public/status/no-such-key' }),
        error: await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: '{"broken"' }),
        missing: await t.inject({ method: 'GET', url: '/api/v1/no-such-route' }),
      };
      for (const [kind, res] of Object.entries(answers)) {
        const h = res.headers;
        const csp = String(h['content-security-policy']);
        expect(csp, kind).toContain("script-src 'self'");
        expect(csp, kind).not.toMatch(/script-src[^;]*unsafe-inline/);
        for (const directive of ["base-uri 'none'", "frame-ancestors 'none'", "object-src 'none'"]) expect(csp, kind).toContain(directive);
        expect(csp, kind).not.toContain('upgrade-insecure-requests');
        expect(h['x-content-type-options'], kind).toBe('nosniff');
        expect(h['x-frame-options'], kind).toBe('DENY');
        expect(h['x-xss-protection'], kind).toBe('0');
        expect(h['cross-origin-opener-policy'], kind).toBe('same-origin');
        expect(String(h['permissions-policy']), kind).toContain('camera=()');
        expect(String(h['permissions-policy']), kind).toContain('geolocation=()');
        expect(h['referrer-policy'], kind).toMatch(/^(no-referrer|strict-origin-when-cross-origin)$/);
        expect(h['x-powered-by'], kind).toBeUndefined();
        expect(h.server, kind).toBeUndefined();
        expect(h['strict-transport-security'], kind).toBeUndefined();
      }
      for (const kind of ['api', 'public', 'error', 'missing'] as const) expect(answers[kind].headers['cache-control'], kind).toBe('no-store');
      expect(answers.public.headers['referrer-policy']).toBe('no-referrer');
      // Refused by the router before any hook runs (a broken escape, an over-long id): the same protection.
      for (const url of ['/api/v1/tokens/%ED%A0%80/recall', `/api/v1/tokens/${'a'.repeat(5000)}/recall`]) {
        const res = await t.inject({ method: 'POST', url, headers: await t.as('receptionist') });
        expect(res.statusCode, url.slice(0, 40)).toBe(400);
        const h = res.headers;
        expect(h['x-content-type-options']).toBe('nosniff');
        expect(h['x-frame-options']).toBe('DENY');
        expect(h['cache-control']).toBe('no-store');
        expect(h['referrer-policy']).toBe('no-referrer');
        expect(String(h['content-security-policy'])).toContain("frame-ancestors 'none'");
        expect(String(h['content-security-policy'])).toContain("default-src 'none'");
      }
    } finally {
      await t.close();
    }
  });
});

describe.each(DIALECTS)('open connections per address on %s', (dialect) => {
  it('closes connections from one address past its cap at once, and takes new ones when some close', async () => {
    const db = await freshDatabase(dialect);
    const app = await buildApp(loadConfig(testEnv(db, { CONNECTIONS_PER_ADDRESS: '5' })), { logger: false });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as { port: number }).port;
      const held = await Promise.all(Array.from({ length: 5 }, () => open(port)));
      const sixth = await open(port);
      const refused = await closed(sixth);
      expect(refused.text).toBe('');
      held[0]!.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      held.forEach((s) => s.destroy());
    } finally {
      await app.close();
      await db.drop();
    }
  });
});

describe.each(DIALECTS)('the patient page’s address on %s', (dialect) => {
  it('serves the status page only for what could be a status key: backup-file look-alikes are 404', async () => {
    const t = await startTestApp(dialect);
    try {
      const key = 'ugjE8kMthuDKBz9kb-E-JOYxY_NlMGD5w6sYyTcnpwo';
      expect((await t.inject({ method: 'GET', url: `/s/${key}` })).statusCode).toBe(200);
      for (const path of [`/s/${key}~`, `/s/${key}.bak`, `/s/.${key}.swp`, '/s/backup.zip', '/s/backup.sql', '/s/short']) {
        expect((await t.inject({ method: 'GET', url: path })).statusCode, path).toBe(404);
      }
    } finally {
      await t.close();
    }
  });
});

describe.each(DIALECTS)('the limits the security config sets on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { JSON_BODY_LIMIT_KB: '16', LOGO_MAX_KB: '8', PASSWORD_MIN_LENGTH: '20' } });
  });
  afterAll(() => t.close());

  it('refuses a JSON body over JSON_BODY_LIMIT_KB with 413 before reading it, and takes one under it', async () => {
    const body = (bytes: number) => JSON.stringify({ email: 'someone@clinic.test', password: 'x'.repeat(bytes) });
    const over = await t.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: body(17 * 1024) });
    expect(over.statusCode).toBe(413);
    expect(problemOf(over).code).toBe('PAYLOAD_TOO_LARGE');
    const under = await t.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: body(15 * 1024) });
    expect(under.statusCode).toBe(400);
  });

  it('refuses a logo over LOGO_MAX_KB, naming the field and the limit', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(10 * 1024)]);
    const res = await t.inject({
      method: 'PUT',
      url: '/api/v1/settings/branding',
      headers: await t.as('admin'),
      payload: { clinicName: 'City Clinic', logoDataUrl: `data:image/png;base64,${png.toString('base64')}` },
    });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors).toEqual([{ path: 'body.logoDataUrl', message: 'must be at most 8 KB' }]);
  });

  it('asks PASSWORD_MIN_LENGTH of a new password, and refuses the clinic’s own name as one', async () => {
    const create = async (password: string) =>
      t.inject({ method: 'POST', url: '/api/v1/users', headers: await t.as('admin'), payload: { email: `new${password.length}@clinic.test`, name: 'New Nurse', role: 'receptionist', password } });
    const short = await create('tulip orbit canyon');
    expect(short.statusCode).toBe(400);
    expect(problemOf(short).errors).toEqual([{ path: 'body.password', message: 'shorter than 20 characters' }]);
    await t.inject({ method: 'PUT', url: '/api/v1/settings/branding', headers: await t.as('admin'), payload: { clinicName: 'Riverside Medical Centre', logoDataUrl: null } });
    const clinic = await create('Riverside Medical Centre 2026');
    expect(clinic.statusCode).toBe(400);
    expect(problemOf(clinic).detail).toContain('the clinic’s name');
    expect((await create('tulip orbit canyon lagoon')).statusCode).toBe(201);
  });
});
