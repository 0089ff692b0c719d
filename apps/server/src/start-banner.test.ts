import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { lanAddress } from './config.js';
import { prettyLine } from './lib/pretty-log.js';
import { startBanner } from './start-banner.js';
import { startChildServer, type ChildServer } from './test/child-server.js';
import { StaffSignIn, fetchCall } from './test/admin-sign-in.js';
import { TEST_PASSWORD, TEST_SECRET } from './test/test-app.js';

describe('the start banner', () => {
  const base = { host: '127.0.0.1', publicUrl: 'http://127.0.0.1:3000', publicUrlSource: 'loopback' as const };

  it('on loopback without PUBLIC_URL warns that phones cannot open the links and names both fixes', () => {
    const text = startBanner({ config: base, port: 3000, admin: undefined });
    expect(text).toContain('phones cannot open');
    expect(text).toContain('HOST=0.0.0.0');
    expect(text).toContain('PUBLIC_URL');
  });

  it('on 0.0.0.0 names the LAN address the links use', () => {
    const text = startBanner({ config: { host: '0.0.0.0', publicUrl: 'http://192.168.1.20:3000', publicUrlSource: 'lan' }, port: 3000, admin: undefined });
    expect(text).toContain('Smart Token is running at http://localhost:3000');
    expect(text).toContain('Status links and QR codes point to http://192.168.1.20:3000');
    expect(text).toContain('local network');
    expect(text).not.toContain('Warning');
  });

  it('with PUBLIC_URL says so and warns of nothing', () => {
    const text = startBanner({ config: { host: '127.0.0.1', publicUrl: 'https://queue.clinic.example', publicUrlSource: 'PUBLIC_URL' }, port: 3000, admin: undefined });
    expect(text).toContain('https://queue.clinic.example (PUBLIC_URL)');
    expect(text).not.toContain('Warning');
  });

  it('a later start does not send people to the demo: accounts exist', () => {
    const text = startBanner({ config: base, port: 3000, admin: undefined });
    expect(text).not.toMatch(/No account|demo/);
    expect(text).toContain('Sign in with your staff account');
    expect(text).toContain('reset-password');
  });

  it('a first start shows the generated password once, as the last thing before the logs', () => {
    const text = startBanner({ config: base, port: 3000, admin: { email: 'admin@smart-token.local', password: 'Zx9-generated' } });
    expect(text.trimEnd().split('\n').at(-1)).toContain('sign in as admin@smart-token.local with password Zx9-generated');
    expect(text.trimEnd().split('\n').at(-1)).toContain('you will set up two-step sign-in: have an authenticator app ready');
  });
});

describe('readable logs', () => {
  it('a request line is one short sentence, not JSON', () => {
    const line = prettyLine(
      JSON.stringify({ level: 30, time: Date.parse('2026-12-01T10:02:03Z'), pid: 1, hostname: 'h', reqId: 'x', req: { method: 'GET', url: '/api/v1/departments' }, res: { statusCode: 200 }, responseTime: 3.4, msg: 'request completed' }),
    );
    expect(line).toMatch(/^\d\d:\d\d:\d\d INFO {2}GET \/api\/v1\/departments 200 3 ms$/);
  });

  it('other fields follow as key=value and an error brings its stack', () => {
    const line = prettyLine(JSON.stringify({ level: 40, time: 0, msg: 'redis live bus', code: 'ECONNREFUSED', err: { type: 'Error', message: 'refused', stack: 'Error: refused\n    at x' } }));
    expect(line).toContain('WARN  redis live bus code=ECONNREFUSED');
    expect(line).toContain('Error: refused');
  });

  it('a line that is not JSON passes through unchanged', () => {
    expect(prettyLine('plain words')).toBe('plain words');
  });
});

describe('the started server (child process)', () => {
  const dirs: string[] = [];
  const running: ChildServer[] = [];

  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function env(extra: Record<string, string> = {}): Record<string, string> {
    const dataDir = mkdtempSync(join(tmpdir(), 'smart-token-banner-'));
    dirs.push(dataDir);
    return { DATABASE_URL: `sqlite:${join(dataDir, 'b.db')}`, DATA_DIR: dataDir, JWT_SECRET: TEST_SECRET, RATE_LIMIT_MULTIPLIER: '100', TZ_QUEUE: 'Asia/Kolkata', ...extra };
  }

  async function start(values: Record<string, string>): Promise<ChildServer> {
    const server = await startChildServer(values);
    running.push(server);
    // The banner is written right after listen; /readyz can answer a moment before it lands.
    for (let i = 0; i < 50 && !server.output().includes('Smart Token is running'); i++) await new Promise((r) => setTimeout(r, 50));
    return server;
  }

  it('on loopback without PUBLIC_URL says at start that phones cannot reach the links, and how to fix it', async () => {
    const server = await start(env({ HOST: '127.0.0.1', LOG_LEVEL: 'warn' }));
    const out = server.output();
    expect(out).toContain(`status links and QR codes point to http://127.0.0.1:`);
    expect(out).toContain('phones cannot open');
    expect(out).toMatch(/HOST=0\.0\.0\.0/);
    expect(out).toMatch(/PUBLIC_URL=/);
  });

  it('on 0.0.0.0 gives patients status links on the LAN address and says so', async () => {
    const lan = lanAddress(networkInterfaces());
    const values = env({ HOST: '0.0.0.0', LOG_LEVEL: 'warn', ADMIN_EMAIL: 'boss@clinic.test', ADMIN_PASSWORD: TEST_PASSWORD });
    const server = await start(values);
    const out = server.output();
    if (!lan) {
      expect(out).toContain('no local network address');
      return;
    }
    expect(out).toContain(`Status links and QR codes point to http://${lan}:${server.port}, this machine's address on the local network`);
    // The link a patient is given is that address, not 127.0.0.1.
    const login = await new StaffSignIn(fetchCall(server.url)).signIn('boss@clinic.test', TEST_PASSWORD);
    const auth = { authorization: `Bearer ${login.accessToken}`, 'content-type': 'application/json' };
    const dept = (await (await fetch(`${server.url}/api/v1/departments`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'General OPD', code: 'GEN' }) })).json()) as { id: string };
    const issued = await fetch(`${server.url}/api/v1/tokens`, { method: 'POST', headers: auth, body: JSON.stringify({ departmentId: dept.id, patient: { name: 'Asha Rao', phone: '+919876543210' } }) });
    expect(issued.status).toBe(201);
    expect(((await issued.json()) as { statusUrl: string }).statusUrl).toMatch(new RegExp(`^http://${lan.replaceAll('.', '\\.')}:${server.port}/s/`));
  });

  it('prints readable logs at LOG_FORMAT=pretty, the banner after the start-up lines, and later starts do not offer the demo', async () => {
    const values = env({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    const first = await start(values);
    const out = first.output();
    const listening = out.indexOf('Server listening');
    const banner = out.indexOf('Smart Token is running');
    expect(listening, out).toBeGreaterThanOrEqual(0);
    expect(banner).toBeGreaterThan(listening);
    expect(out).toMatch(/First start: sign in as admin@smart-token\.local with password \S+/);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    for (let i = 0; i < 50 && !first.output().includes('GET /healthz'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(first.output()).toMatch(/^\d\d:\d\d:\d\d INFO {2}GET \/healthz 200 \d+ ms$/m);
    expect(first.output().split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    expect(await first.stop()).toBe(0);
    running.splice(running.indexOf(first), 1);

    const second = await start(values);
    expect(second.output()).not.toContain('First start');
    expect(second.output()).not.toContain('No account');
    expect(second.output()).toContain('Sign in with your staff account');
  });
});
