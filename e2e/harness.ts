import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Role } from '@smart-token/contracts';
import { startChildServer, type ChildServer } from '../apps/server/src/test/child-server.js';
import { StaffSignIn, fetchCall } from '../apps/server/src/test/admin-sign-in.js';
import { freshDatabase, type TestDatabase } from '../apps/server/src/test/databases.js';
import { TEST_PASSWORD, testEnv } from '../apps/server/src/test/test-app.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(import.meta.dirname, '..', 'test-artifacts', 'screenshots');
const ADMIN = { email: 'admin@e2e.test', password: TEST_PASSWORD };
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface Hospital {
  gen: { id: string; counters: { id: string; name: string }[] };
  lab: { id: string; counters: { id: string; name: string }[] };
}

/** The real built app in a child process on a fresh SQLite database, and a headless Chromium. */
export class E2E {
  server!: ChildServer;
  browser!: Browser;
  db!: TestDatabase;
  env!: Record<string, string>;
  private adminToken = '';
  /** Signs in through the API as a person would; the admin enrols in 2FA at the first sign-in, and this keeps the secret for later codes. */
  readonly staff = new StaffSignIn(fetchCall(() => this.url));

  /** Starts the built server (with `env` over the test settings) and a browser. */
  async start(env: Record<string, string> = {}): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    this.db = await freshDatabase('sqlite');
    this.env = { ...testEnv(this.db), LOG_LEVEL: 'warn', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ...env };
    this.server = await startChildServer(this.env);
    this.env.PUBLIC_URL = env.PUBLIC_URL ?? this.server.url;
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    this.adminToken = await this.accessToken(ADMIN.email, ADMIN.password);
  }

  /** Restarts the server on the same database and port (a board must ride it out). */
  async restartServer(): Promise<void> {
    await this.server.stop();
    this.server = await startChildServer(this.env, { port: this.server.port });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await this.server?.stop();
    await this.db?.drop();
  }

  get url(): string {
    return this.server.url;
  }

  async accessToken(email: string, password: string): Promise<string> {
    return (await this.staff.signIn(email, password)).accessToken;
  }

  /** Calls the API as the admin: setting up the hospital is not what these tests are about. */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    const answer = (await res.json()) as T;
    // A doctor acts only in their departments (issue 14): the e2e doctor works in every department a test makes.
    if (method === 'POST' && path === '/departments' && this.doctor) {
      this.doctor.departmentIds.push((answer as { id: string }).id);
      await this.api('PATCH', `/users/${this.doctor.id}`, { departmentIds: this.doctor.departmentIds });
    }
    return answer;
  }

  /** The e2e doctor, once hospital() made them, and the departments they work in. */
  private doctor: { id: string; departmentIds: string[] } | undefined;

  async hospital(): Promise<Hospital> {
    const make = async (code: string, name: string, counters: string[], selfCheckIn = false) => {
      const d = await this.api<{ id: string }>('POST', '/departments', { code, name, selfCheckIn });
      const made = [];
      for (const c of counters) made.push(await this.api<{ id: string; name: string }>('POST', '/counters', { departmentId: d.id, name: c }));
      return { id: d.id, counters: made };
    };
    const gen = await make('GEN', 'General OPD', ['Room 3', 'Room 4'], true);
    const lab = await make('LAB', 'Laboratory', ['Sample Desk 1']);
    for (const role of ['receptionist', 'doctor', 'display', 'kiosk'] as Role[]) {
      const departmentIds = role === 'doctor' ? [gen.id, lab.id] : [];
      const user = await this.api<{ id: string }>('POST', '/users', { email: `${role}@e2e.test`, name: `E2E ${role}`, role, password: TEST_PASSWORD, departmentIds });
      if (role === 'doctor') this.doctor = { id: user.id, departmentIds };
    }
    return { gen, lab };
  }

  /** A browser window signed in through the login screen, as a person would. */
  async signedIn(role: Role | 'admin', viewport = { width: 1366, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(`${this.url}/login`);
    const email = role === 'admin' ? ADMIN.email : `${role}@e2e.test`;
    await page.getByLabel(/email/i).fill(email);
    await page.getByLabel(/password/i).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    // The admin has two-step sign-in on (enrolled at start()): the form's second step asks for a code.
    if (role === 'admin') await this.typeOtp(page, ADMIN.email);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    return { context, page };
  }

  /** Types a fresh code of the account's authenticator (which this harness holds) into the sign-in form's second step. */
  async typeOtp(page: Page, email: string): Promise<void> {
    const otp = await this.staff.nextOtpWaiting(email);
    const field = page.getByLabel('Code from your authenticator app');
    await field.waitFor();
    // Two codes a step are used up when a test signs in often: then a recovery code, as a person would.
    if (/^\d{6}$/.test(otp)) await field.fill(otp);
    else {
      await page.getByRole('button', { name: 'Use a recovery code' }).click();
      await page.getByLabel('Recovery code').fill(otp);
    }
    await page.getByRole('button', { name: /sign in/i }).click();
  }

  async anonymous(viewport = { width: 390, height: 844 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.browser.newContext({ viewport });
    return { context, page: await context.newPage() };
  }
}

/** Reception's keyboard path, as a receptionist types it: phone, Enter, name, Enter. */
export async function issueByKeyboard(page: Page, phone: string, name: string): Promise<void> {
  await page.getByLabel('Phone number').fill(phone);
  await page.getByLabel('Phone number').press('Enter');
  await page.getByLabel('Patient name').fill(name);
  await page.getByLabel('Patient name').press('Enter');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page (through the debugger, so the app's strict CSP stays on) and returns serious/critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(`${AXE_SOURCE};0`);
  const result = await page.evaluate<{ violations: AxeViolation[] }>(`axe.run(document, { resultTypes: ['violations'] })`);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target })) }));
}
