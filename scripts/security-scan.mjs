// npm run security-scan: starts the built server on loopback with a fresh SQLite database, seeds a
// department, a receptionist and a token, then runs Debian's sqlmap against every endpoint that
// takes input (public and staff, with a receptionist's Bearer token) and wapiti against the web app
// and API. Installs both from Debian's packages when missing (needs root). Prints one line per
// finding and a summary; the raw reports go to test-artifacts/security-scan/. Exit 1 on a finding.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'test-artifacts', 'security-scan');
const ADMIN = { email: 'scan-admin@scan.test', password: 'a long scan admin password 2026!' };
const STAFF = { email: 'scan-reception@scan.test', password: 'a long reception password 2026!' };
const SQLMAP_MINUTES = Number(process.env.SCAN_SQLMAP_MINUTES ?? 3);
const WAPITI_SECONDS = Number(process.env.SCAN_WAPITI_SECONDS ?? 300);

function ensureTool(command, pkg) {
  if (spawnSync('which', [command]).status === 0) return;
  console.log(`installing ${pkg} from Debian's packages…`);
  execFileSync('apt-get', ['install', '-y', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startServer(dataDir, port) {
  const child = spawn(process.execPath, [join(ROOT, 'apps/server/dist/server.js')], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      JWT_SECRET: 'security-scan-secret-that-is-long-enough-1234',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      // The scanners send thousands of requests: the limits would answer 429 and hide the routes.
      RATE_LIMIT_MULTIPLIER: '100000',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (c) => (log += c));
  child.stderr.on('data', (c) => (log += c));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url, log: () => log };
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not start:\n${log}`);
}

async function api(url, path, { method = 'GET', token, body } = {}) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(token && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** The admin enrols 2FA (required for admins) with a code computed here, then seeds the hospital. */
async function seed(url) {
  const { TOTP } = await import('otpauth');
  const login = await api(url, '/auth/login', { method: 'POST', body: ADMIN });
  const admin = login.accessToken;
  if (login.mfaEnrolmentRequired) {
    const { secret } = await api(url, '/auth/2fa/setup', { method: 'POST', token: admin, body: {} });
    const otp = new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate();
    await api(url, '/auth/2fa/enable', { method: 'POST', token: admin, body: { otp } });
  }
  const dept = await api(url, '/departments', { method: 'POST', token: admin, body: { name: 'General OPD', code: 'GEN' } });
  const counter = await api(url, '/counters', { method: 'POST', token: admin, body: { departmentId: dept.id, name: 'Room 1' } });
  await api(url, '/users', { method: 'POST', token: admin, body: { ...STAFF, name: 'Scan Reception', role: 'receptionist' } });
  const staff = (await api(url, '/auth/login', { method: 'POST', body: STAFF })).accessToken;
  const token = await api(url, '/tokens', { method: 'POST', token: staff, body: { departmentId: dept.id, patient: { name: 'Asha Rao', phone: '+919812345678' } } });
  return { staff, dept, counter, token };
}

function sqlmap(name, url, args) {
  const dir = join(OUT, 'sqlmap', name);
  mkdirSync(dir, { recursive: true });
  const result = spawnSync(
    'sqlmap',
    ['-u', url, '--batch', '--level', '2', '--risk', '1', '--threads', '4', '--timeout', '10', '--retries', '1', '--flush-session', '--disable-coloring', '--output-dir', dir, ...args],
    { encoding: 'utf8', timeout: SQLMAP_MINUTES * 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  writeFileSync(join(dir, 'output.txt'), output);
  const injectable = output.split('\n').filter((line) => /is vulnerable|appears to be .* injectable|sqlmap identified the following injection point/i.test(line));
  const tested = (output.match(/testing '/g) ?? []).length;
  return { name, injectable, tested, timedOut: result.error?.code === 'ETIMEDOUT' || result.signal === 'SIGTERM' };
}

/** Wapiti does not run the web app's JavaScript: it is also given the addresses the screens would call. */
function wapiti(url, startUrls) {
  const report = join(OUT, 'wapiti.json');
  rmSync(report, { force: true });
  const result = spawnSync(
    'wapiti',
    ['-u', `${url}/`, ...startUrls.flatMap((start) => ['-s', start]), '--scope', 'folder', '-m', 'sql,blindsql,xss,permanentxss,exec,file,crlf,redirect,htaccess,methods,backup', '--flush-session', '--max-scan-time', String(WAPITI_SECONDS), '-f', 'json', '-o', report, '--verify-ssl', '0'],
    { encoding: 'utf8', timeout: (WAPITI_SECONDS + 120) * 1000, maxBuffer: 64 * 1024 * 1024 },
  );
  writeFileSync(join(OUT, 'wapiti-output.txt'), `${result.stdout ?? ''}${result.stderr ?? ''}`);
  if (!existsSync(report)) return { findings: [], error: 'wapiti wrote no report' };
  const json = JSON.parse(readFileSync(report, 'utf8'));
  const findings = Object.entries(json.vulnerabilities ?? {}).flatMap(([kind, items]) => items.map((item) => `${kind}: ${item.method} ${item.path} ${item.parameter ?? ''} — ${item.info ?? ''}`.trim()));
  const anomalies = Object.entries(json.anomalies ?? {}).flatMap(([kind, items]) => items.map((item) => `${kind}: ${item.method} ${item.path} ${item.parameter ?? ''}`.trim()));
  return { findings, anomalies };
}

async function main() {
  ensureTool('sqlmap', 'sqlmap');
  ensureTool('wapiti', 'wapiti');
  mkdirSync(OUT, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'smart-token-scan-'));
  const server = await startServer(dataDir, await freePort());
  try {
    const { staff, dept, counter, token } = await seed(server.url);
    const json = ['--headers', 'Content-Type: application/json'];
    const bearer = ['--headers', `Content-Type: application/json\nAuthorization: Bearer ${staff}`];
    const base = `${server.url}/api/v1`;
    const targets = [
      ['public-status', `${base}/public/status`, [...json, '--data', JSON.stringify({ token: token.number, phoneLast4: '5678' })]],
      ['public-status-key', `${base}/public/status/${token.statusKey}*`, []],
      ['public-display', `${base}/public/display?departmentId=${dept.id}`, []],
      // A wrong password is a 401: sqlmap stops at one unless told it is the page's normal answer.
      ['login', `${base}/auth/login`, [...json, '--ignore-code', '401', '--data', JSON.stringify({ email: STAFF.email, password: 'wrong password here' })]],
      ['issue-token', `${base}/tokens`, [...bearer, '--data', JSON.stringify({ departmentId: dept.id, patient: { name: 'Ravi Kumar', phone: '+919812300011' } })]],
      ['token-search', `${base}/tokens/search`, [...bearer, '--data', JSON.stringify({ query: 'Asha' })]],
      ['patient-search', `${base}/patients/search`, [...bearer, '--data', JSON.stringify({ phone: '+919812345678' })]],
      ['token-detail', `${base}/tokens/${token.id}*`, bearer],
      ['queue', `${base}/departments/${dept.id}*/queue`, bearer],
      ['call-next', `${base}/counters/${counter.id}*/call-next`, [...bearer, '--data', '{}']],
    ];
    const results = [];
    for (const [name, url, args] of targets) {
      const result = sqlmap(name, url, args);
      results.push(result);
      console.log(`sqlmap ${name}: ${result.injectable.length === 0 ? 'no injection found' : `${result.injectable.length} FINDINGS`} (${result.tested} tests${result.timedOut ? ', stopped at the time limit' : ''})`);
      for (const line of result.injectable) console.log(`  ${line.trim()}`);
    }
    const web = wapiti(server.url, [
      `${server.url}/status`,
      `${server.url}/s/${token.statusKey}`,
      `${server.url}/login`,
      `${base}/public/display?departmentId=${dept.id}`,
      `${base}/public/status/${token.statusKey}`,
      `${base}/public/branding`,
    ]);
    console.log(`wapiti: ${web.error ?? `${web.findings.length} vulnerabilities, ${web.anomalies.length} anomalies`}`);
    for (const line of [...web.findings, ...(web.anomalies ?? [])]) console.log(`  ${line}`);
    const crashed = server.child.exitCode !== null;
    const errors = server.log().split('\n').filter((line) => line.includes('"level":50') || line.includes('"level":60'));
    console.log(`server: ${crashed ? 'CRASHED' : 'still running'}, ${errors.length} error-level log lines`);
    for (const line of errors.slice(0, 20)) console.log(`  ${line.slice(0, 300)}`);
    const findings = results.reduce((n, r) => n + r.injectable.length, 0) + web.findings.length + errors.length + (crashed ? 1 : 0);
    console.log(findings === 0 ? 'security scan: nothing found' : `security scan: ${findings} findings (reports in test-artifacts/security-scan/)`);
    process.exitCode = findings === 0 ? 0 : 1;
  } finally {
    server.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
