import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../app.js';
import { loadConfig } from '../config.js';
import { runCli } from '../test/child-server.js';
import { StaffSignIn, injectCall } from '../test/admin-sign-in.js';
import { TEST_SECRET } from '../test/test-app.js';

const ROLES = ['admin', 'receptionist', 'doctor', 'display', 'kiosk'];
const LOGIN_LINE = /^\s+(\w+)\s+(\S+@demo\.local)\s+(\S+)$/;

describe('the smart-token CLI on SQLite', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let app: App;
  let demoOutput: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'smart-token-cli-'));
    env = { DATABASE_URL: `sqlite:${join(dataDir, 'cli.db')}`, DATA_DIR: dataDir, JWT_SECRET: TEST_SECRET, TZ_QUEUE: 'Asia/Kolkata' };
    const migrated = await runCli(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    const demo = await runCli(['demo'], env);
    expect(demo.code, demo.stderr).toBe(0);
    demoOutput = demo.stdout;
    // The app opens the file the CLI wrote, as a server started after `npm run cli -- demo` would.
    app = await buildApp(loadConfig({ ...env, LOG_LEVEL: 'silent', RATE_LIMIT_MULTIPLIER: '100' }), { logger: false });
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const login = (email: string, password: string) => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  /** Signs in as a person would, the demo's admin enrolling in 2FA at the first sign-in. */
  let staff: StaffSignIn;
  const signIn = (email: string, password: string) => (staff ??= new StaffSignIn(injectCall(app.inject.bind(app)))).signIn(email, password);

  function demoLogins(stdout: string) {
    return stdout
      .split('\n')
      .map((line) => LOGIN_LINE.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map(([, role, email, password]) => ({ role: role!, email: email!, password: password! }));
  }

  it('migrate applies the migrations once, then reports the database up to date', async () => {
    const again = await runCli(['migrate'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('up to date');
    const fresh = mkdtempSync(join(tmpdir(), 'smart-token-cli-'));
    try {
      const first = await runCli(['migrate'], { ...env, DATABASE_URL: `sqlite:${join(fresh, 'new.db')}`, DATA_DIR: fresh });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^Applied: \d{4}_\d{2}_\d{2}_\d{4}_/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('demo makes the departments GEN, LAB, PHA and BIL with their counters', async () => {
    for (const code of ['GEN', 'LAB', 'PHA', 'BIL']) expect(demoOutput).toMatch(new RegExp(`^Department ${code} \\(`, 'm'));
    const admin = demoLogins(demoOutput).find((l) => l.role === 'admin')!;
    const token = (await signIn(admin.email, admin.password)).accessToken;
    const departments = await app.inject({ method: 'GET', url: '/api/v1/departments', headers: { authorization: `Bearer ${token}` } });
    expect(departments.json<{ code: string }[]>().map((d) => d.code).sort()).toEqual(['BIL', 'GEN', 'LAB', 'PHA']);
    const counters = await app.inject({ method: 'GET', url: '/api/v1/counters', headers: { authorization: `Bearer ${token}` } });
    expect(counters.json<unknown[]>().length).toBeGreaterThanOrEqual(4);
  });

  it('demo prints one login per role, and each signs in with that role', async () => {
    const logins = demoLogins(demoOutput);
    expect(logins.map((l) => l.role)).toEqual(ROLES);
    for (const { role, email, password } of logins) expect((await signIn(email, password)).user.role).toBe(role);
  });

  it('demo run a second time succeeds, changes nothing and prints no new passwords', async () => {
    const again = await runCli(['demo'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(demoLogins(again.stdout)).toEqual([]);
    expect(again.stdout).toContain('exists');
    const admin = demoLogins(demoOutput).find((l) => l.role === 'admin')!;
    const token = (await signIn(admin.email, admin.password)).accessToken;
    const departments = await app.inject({ method: 'GET', url: '/api/v1/departments', headers: { authorization: `Bearer ${token}` } });
    expect(departments.json<unknown[]>()).toHaveLength(4);
  });

  it('create-user with a generated password prints it, and that password signs in', async () => {
    const made = await runCli(['create-user', '--email', 'Nurse@Clinic.test', '--name', 'Nurse Joy', '--role', 'receptionist'], env);
    expect(made.code, made.stderr).toBe(0);
    const password = /with password (\S+)/.exec(made.stdout)?.[1];
    expect(password, made.stdout).toBeDefined();
    const res = await login('nurse@clinic.test', password!);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: { email: 'nurse@clinic.test', name: 'Nurse Joy', role: 'receptionist' } });
  });

  it('create-user with --password does not echo it', async () => {
    const password = 'a chosen long password';
    const made = await runCli(['create-user', '--email', 'dr.rao@clinic.test', '--name', 'Dr Rao', '--role', 'doctor', '--password', password], env);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).not.toContain(password);
    expect((await login('dr.rao@clinic.test', password)).statusCode).toBe(200);
  });

  it('create-user refuses an existing email and a bad option with one line naming the problem', async () => {
    // Its own existing user, so the refusal does not lean on an earlier test having made one.
    expect((await runCli(['create-user', '--email', 'taken@clinic.test', '--name', 'First', '--role', 'doctor', '--password', 'a chosen long password'], env)).code).toBe(0);
    const [duplicate, badRole, shortPassword] = await Promise.all([
      runCli(['create-user', '--email', 'taken@clinic.test', '--name', 'Again', '--role', 'doctor'], env),
      runCli(['create-user', '--email', 'x@clinic.test', '--name', 'X', '--role', 'boss'], env),
      runCli(['create-user', '--email', 'y@clinic.test', '--name', 'Y', '--role', 'doctor', '--password', 'short'], env),
    ]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');

    expect(badRole.code).toBe(1);
    expect(badRole.stderr.trim().split('\n')).toHaveLength(1);
    expect(badRole.stderr).toContain('--role');

    expect(shortPassword.code).toBe(1);
    expect(shortPassword.stderr.trim().split('\n')).toHaveLength(1);
    expect(shortPassword.stderr).toContain('--password');
    expect(shortPassword.stderr).not.toContain('short');
  });

  it('reset-password sets a new password, the old one stops working and open sessions end', async () => {
    const old = 'the original password';
    expect((await runCli(['create-user', '--email', 'reset@clinic.test', '--name', 'Reset Me', '--role', 'doctor', '--password', old], env)).code).toBe(0);
    const session = (await login('reset@clinic.test', old)).json<{ accessToken: string }>();
    const me = () => app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${session.accessToken}` } });
    expect((await me()).statusCode).toBe(200);

    const reset = await runCli(['reset-password', '--email', ' Reset@Clinic.test '], env);
    expect(reset.code, reset.stderr).toBe(0);
    const fresh = /: (\S+); their sessions have ended/.exec(reset.stdout)?.[1];
    expect(fresh, reset.stdout).toBeDefined();

    expect((await login('reset@clinic.test', old)).statusCode).toBe(401);
    expect((await login('reset@clinic.test', fresh!)).statusCode).toBe(200);
    expect((await me()).statusCode).toBe(401);
  });

  it('reset-2fa turns off a lost phone’s two-step sign-in: sessions end, the password alone then asks to enrol again', async () => {
    const password = 'the admin who lost a phone';
    expect((await runCli(['create-user', '--email', 'lost.phone@clinic.test', '--name', 'Lost Phone', '--role', 'admin', '--password', password], env)).code).toBe(0);
    const session = await signIn('lost.phone@clinic.test', password);
    const me = () => app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${session.accessToken}` } });
    expect((await me()).json<{ twoFactorEnabled: boolean }>().twoFactorEnabled).toBe(true);
    // Without a code the password is not enough…
    expect((await login('lost.phone@clinic.test', password)).json<{ code: string }>().code).toBe('OTP_REQUIRED');

    const reset = await runCli(['reset-2fa', '--email', 'lost.phone@clinic.test'], env);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('Two-step sign-in is off for lost.phone@clinic.test');
    expect((await me()).statusCode).toBe(401);
    // …and after the reset the password signs in to enrolment only.
    const again = await login('lost.phone@clinic.test', password);
    expect(again.statusCode).toBe(200);
    expect(again.json<{ mfaEnrolmentRequired?: boolean }>().mfaEnrolmentRequired).toBe(true);
    const missing = await runCli(['reset-2fa', '--email', 'nobody@clinic.test'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nobody@clinic.test');
  });

  it('reset-password for an unknown email fails naming it', async () => {
    const res = await runCli(['reset-password', '--email', 'nobody@clinic.test'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('nobody@clinic.test');
  });

  it('prints the usage and fails for no command or an unknown one', async () => {
    const [none, unknown] = await Promise.all([runCli([], env), runCli(['frobnicate'], env)]);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('Usage:');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('Unknown command "frobnicate"');
  });

  it('names the setting when the configuration is bad', async () => {
    const res = await runCli(['migrate'], { ...env, DATABASE_URL: 'mysql://x' });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('DATABASE_URL');
  });
});
