import type { JoinCode } from '@smart-token/contracts';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../apps/server/src/test/test-app.js';
import { E2E, issueByKeyboard, type Hospital } from './harness.js';

/** What a `securitypolicyviolation` event says: enough to find the line that broke the policy. */
interface Violation {
  directive: string;
  blockedURI: string;
  sourceFile: string;
  sample: string;
}

/** The admin the harness seeds (harness.ts ADMIN); a second admin meets the compulsory 2FA enrolment. */
const ADMIN_EMAIL = 'admin@e2e.test';
const NEW_ADMIN_EMAIL = 'new-admin@e2e.test';
const TV = { width: 1920, height: 1080 };
const PORTRAIT = { width: 1080, height: 1920 };
const DESK = { width: 1366, height: 900 };
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/**
 * Runs before any of the page's own scripts in every document of the context: each violation goes
 * into a window array (read at each screen) and to the test through a binding, so one reported just
 * before a navigation is not lost with its document. Printing is counted, not opened.
 */
const RECORD_VIOLATIONS = `
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const v = { directive: e.effectiveDirective || e.violatedDirective, blockedURI: e.blockedURI, sourceFile: e.sourceFile, sample: e.sample };
  window.__cspViolations.push(v);
  if (typeof window.__reportCspViolation === 'function') window.__reportCspViolation(v);
}, true);
window.prints = 0;
window.print = () => { window.prints += 1; };
`;

/** Every CSP violation, CSP console error and uncaught page error in one browser context. */
class CspWatch {
  /** Reported since the last check, each with the address of the page that reported it. */
  readonly reports: string[] = [];

  private constructor(readonly context: BrowserContext) {}

  static async on(context: BrowserContext): Promise<CspWatch> {
    const watch = new CspWatch(context);
    await context.exposeBinding('__reportCspViolation', (source, v: Violation) => {
      watch.reports.push(`violation on ${source.page.url()}: ${v.directive} blocked ${v.blockedURI} (${v.sourceFile}) ${v.sample}`);
    });
    await context.addInitScript(RECORD_VIOLATIONS);
    context.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) watch.reports.push(`console on ${message.page()?.url() ?? '?'}: ${message.text()}`);
    });
    context.on('weberror', (error) => watch.reports.push(`page error on ${error.page()?.url() ?? '?'}: ${String(error.error())}`));
    return watch;
  }

  /** What this document's array holds and what the context reported since the last look, both taken out so the next look starts afresh. */
  async take(page: Page): Promise<{ inPage: Violation[]; reported: string[] }> {
    // A violation is dispatched in a task of its own: let one pass before reading.
    await page.evaluate('new Promise((resolve) => setTimeout(resolve, 0))');
    const inPage = await page.evaluate<Violation[]>('(window.__cspViolations ?? []).splice(0)');
    return { inPage, reported: this.reports.splice(0) };
  }

  /** Nothing refused by the CSP and nothing thrown on this screen, in this document or any before it since the last check. */
  async expectClean(page: Page, screen: string): Promise<void> {
    const { inPage, reported } = await this.take(page);
    expect({ inPage, reported }, `${screen}: the CSP refused something or the page threw`).toEqual({ inPage: [], reported: [] });
  }
}

/** The policy's directives by name, each with its sources. */
function directives(header: string | null): Map<string, string[]> {
  const parsed = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) parsed.set(name.toLowerCase(), sources);
  }
  return parsed;
}

describe('the Content-Security-Policy holds on every screen of the real web app in Chromium (issue 15)', () => {
  const e2e = new E2E();
  let hospital: Hospital;
  let phoneDept: { id: string };

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
    phoneDept = await e2e.api<{ id: string }>('POST', '/departments', { code: 'PHN', name: 'Phone OPD', selfCheckIn: 'phone' });
    await e2e.api('POST', '/users', { email: NEW_ADMIN_EMAIL, name: 'New Admin', role: 'admin', password: TEST_PASSWORD });
    // A logo: the board, the kiosk and the branding tab then load an image.
    await e2e.api('PUT', '/settings/branding', { clinicName: 'Sunrise Clinic', logoDataUrl: `data:image/png;base64,${PNG}` });
  }, 120_000);
  afterAll(() => e2e.stop());

  /** A watched browser window, signed in through the login screen (and its code step for the admin). */
  async function signedIn(role: 'admin' | 'receptionist' | 'doctor' | 'display' | 'kiosk', viewport = DESK): Promise<{ watch: CspWatch; page: Page }> {
    const watch = await CspWatch.on(await e2e.browser.newContext({ viewport }));
    const page = await watch.context.newPage();
    await page.goto(`${e2e.url}/login`);
    const email = role === 'admin' ? ADMIN_EMAIL : `${role}@e2e.test`;
    await page.getByLabel(/email/i).fill(email);
    await page.getByLabel(/password/i).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    if (role === 'admin') await e2e.typeOtp(page, email);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await watch.expectClean(page, `sign-in as ${role}`);
    return { watch, page };
  }

  async function anonymous(viewport = { width: 390, height: 844 }): Promise<{ watch: CspWatch; page: Page }> {
    const watch = await CspWatch.on(await e2e.browser.newContext({ viewport }));
    return { watch, page: await watch.context.newPage() };
  }

  it('serves every HTML page with script-src free of unsafe-inline, and base-uri, frame-ancestors and object-src none', async () => {
    const join = await e2e.api<JoinCode>('GET', `/departments/${phoneDept.id}/join-code`);
    const issued = await e2e.api<{ statusKey: string }>('POST', '/tokens', { departmentId: hospital.gen.id, patient: { name: 'Header Check', phone: '98765 00009' } });
    const pages = ['/', '/login', '/reception', '/counter', '/admin', '/display', `/display/${hospital.gen.id}`, '/kiosk', '/security', '/status', `/s/${issued.statusKey}`, new URL(join.url).pathname];
    for (const path of pages) {
      const res = await fetch(`${e2e.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      const policy = directives(res.headers.get('content-security-policy'));
      const scripts = policy.get('script-src') ?? policy.get('default-src');
      expect(scripts, `${path}: script-src`).toBeDefined();
      expect(scripts, `${path}: script-src`).not.toContain("'unsafe-inline'");
      expect(scripts, `${path}: script-src`).not.toContain("'unsafe-eval'");
      expect(policy.get('base-uri'), `${path}: base-uri`).toEqual(["'none'"]);
      expect(policy.get('frame-ancestors'), `${path}: frame-ancestors`).toEqual(["'none'"]);
      expect(policy.get('object-src'), `${path}: object-src`).toEqual(["'none'"]);
      expect(policy.get('script-src-attr'), `${path}: script-src-attr`).toEqual(["'none'"]);
    }
  });

  it('reports an inline script injected into the page as a violation, and does not run it', async () => {
    const { watch, page } = await anonymous();
    await page.goto(`${e2e.url}/status`);
    await page.getByLabel('Token number').waitFor();
    await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injectedRan = true;';
      document.body.append(script);
    })()`);
    await expect.poll(() => page.evaluate<number>('window.__cspViolations.length')).toBeGreaterThan(0);
    expect(await page.evaluate('window.injectedRan')).toBeUndefined();
    // Every way a screen's check reads: the page's array, the report that reached the test, Chromium's console.
    await expect.poll(() => watch.reports.length).toBeGreaterThanOrEqual(2);
    const found = await watch.take(page);
    expect(found.inPage).toEqual([expect.objectContaining({ directive: 'script-src-elem', blockedURI: 'inline' })]);
    expect(found.reported).toContainEqual(expect.stringMatching(/^violation on .*\/status: script-src-elem blocked inline/));
    expect(found.reported).toContainEqual(expect.stringMatching(/^console on .*\/status: .*inline script violates the following Content Security Policy directive 'script-src 'self''/));
    await watch.context.close();
  });

  it('the admin screen: the code step of sign-in, every tab, its dialogs, a new device, the join poster and the board settings', async () => {
    const { watch, page } = await signedIn('admin');
    await page.goto(`${e2e.url}/admin#today`);
    await page.getByRole('tabpanel').first().waitFor();
    const tabs = ['Today', 'Departments', 'Counters and rooms', 'Staff and devices', 'Devices', 'Clinic and status address', 'Security feed'];
    for (const name of tabs) {
      await page.getByRole('tab', { name, exact: true }).click();
      await expect.poll(() => page.getByRole('tab', { name, exact: true }).getAttribute('aria-selected')).toBe('true');
      await page.getByRole('tabpanel').getByRole('heading').first().waitFor();
      await watch.expectClean(page, `admin tab ${name}`);
    }

    await page.getByRole('tab', { name: 'Departments', exact: true }).click();
    await page.getByRole('button', { name: 'Delete Laboratory' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Edit General OPD' }).click();
    await page.getByRole('heading', { name: 'Edit General OPD' }).waitFor();
    // The poster opens a window of its own, written by the page, and prints it. Writing it erases the
    // window's listeners (document.open): a violation there reaches the check as Chromium's console error.
    const [poster] = await Promise.all([watch.context.waitForEvent('page'), page.getByRole('button', { name: 'Print the join poster' }).click()]);
    await poster.locator('.qr svg').waitFor();
    await expect.poll(() => poster.evaluate<number>('window.prints')).toBe(1);
    await watch.expectClean(page, 'admin departments: delete dialog, edit form, join poster');
    await poster.close();

    await page.getByRole('tab', { name: 'Counters and rooms', exact: true }).click();
    await page.getByRole('button', { name: 'Deactivate Room 4' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await watch.expectClean(page, 'admin counters: deactivate dialog');

    await page.getByRole('tab', { name: 'Staff and devices', exact: true }).click();
    await page.locator('tr', { hasText: 'doctor@e2e.test' }).getByRole('button', { name: 'Reset password' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await watch.expectClean(page, 'admin staff: reset password dialog');

    await page.getByRole('tab', { name: 'Devices', exact: true }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Waiting hall TV');
    await page.getByRole('combobox', { name: 'Kind' }).selectOption('display');
    await page.getByRole('checkbox', { name: /General OPD/ }).check();
    await page.getByRole('button', { name: 'Create device' }).click();
    await page.getByTestId('pairing-code').waitFor();
    await watch.expectClean(page, 'admin devices: a device created');

    await page.getByRole('tab', { name: 'Clinic and status address', exact: true }).click();
    await page.getByLabel('Logo', { exact: true }).setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from(PNG, 'base64') });
    await page.getByRole('img', { name: 'The logo as it will be shown' }).waitFor();
    await watch.expectClean(page, 'admin branding: logo preview');

    // The board picker with the admin's board settings: a ticker for the board to show.
    await page.goto(`${e2e.url}/display`);
    await page.getByLabel('Ticker along the foot of the board').fill('Please keep your ticket with you.');
    await page.getByRole('button', { name: 'Save board messages' }).click();
    await page.getByText('Saved. The boards show it within 30 seconds.').waitFor();
    await watch.expectClean(page, 'board picker and board settings');
    await watch.context.close();
  });

  it('a new admin’s compulsory two-step enrolment on the Security page, with its QR code', async () => {
    const { watch, page } = await anonymous(DESK);
    await page.goto(`${e2e.url}/login`);
    await page.getByLabel(/email/i).fill(NEW_ADMIN_EMAIL);
    await page.getByLabel(/password/i).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL((u) => u.pathname === '/security');
    await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    await page.getByRole('img', { name: 'QR code to add Smart Token to your authenticator app' }).waitFor();
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Type the 6-digit code shown in the app.').waitFor();
    await watch.expectClean(page, '2FA enrolment');
    await watch.context.close();
  });

  it('reception issues a ticket with its QR code, prints it and opens the move dialog; the Security page lists sessions and checks the password form', async () => {
    const { watch, page } = await signedIn('receptionist');
    await page.goto(`${e2e.url}/reception`);
    await page.getByLabel('Department', { exact: true }).selectOption({ label: 'General OPD (GEN)' });
    await issueByKeyboard(page, '98765 43210', 'Asha Rao');
    await page.locator('.issued .ticket-qr svg').waitFor();
    await page.getByRole('button', { name: 'Print ticket' }).click();
    await expect.poll(() => page.evaluate<number>('window.prints')).toBe(1);
    await watch.expectClean(page, 'reception: ticket issued and printed');

    await page.getByLabel('Number, phone or name').fill('Asha');
    const actions = page.getByRole('button', { name: /^Actions for token / }).first();
    await actions.click();
    await page.getByRole('menuitem', { name: 'Move to another department…' }).click();
    await page.getByRole('dialog').getByRole('combobox', { name: 'Move to' }).fill('Lab');
    await page.getByRole('listbox').waitFor();
    await watch.expectClean(page, 'reception: actions menu and move dialog');
    await page.keyboard.press('Escape');
    await page.getByRole('listbox').waitFor({ state: 'detached' });
    await page.getByRole('dialog').getByRole('button', { name: 'Keep as it is' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
    await page.getByLabel('Current password').fill('not the password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('.field-error').first().waitFor();
    await watch.expectClean(page, 'security page');
    await watch.context.close();
  });

  it('the counter console calls a patient and asks before the next call', async () => {
    const token = await e2e.api<{ number: string }>('POST', '/tokens', { departmentId: hospital.lab.id, patient: { name: 'Ravi Kumar', phone: '98765 11111' } });
    await e2e.api('POST', '/tokens', { departmentId: hospital.lab.id, patient: { name: 'Meena Iyer', phone: '98765 22222' } });
    const { watch, page } = await signedIn('doctor');
    await page.goto(`${e2e.url}/counter`);
    await page.getByLabel('Choose your counter').selectOption({ label: 'Sample Desk 1' });
    await page.getByText('Live', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Call next', exact: true }).click();
    await page.locator('.current-number').filter({ hasText: token.number }).waitFor();
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('.current-badges').getByText('Being served', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Call next…' }).click();
    await page.getByRole('dialog').getByRole('heading', { name: `Before the next call: what about ${token.number}?` }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await watch.expectClean(page, 'counter console: call and the call-next dialog');
    await watch.context.close();
  });

  it('the display board shows calls, the logo and the ticker; an unpaired TV shows the pairing screen', async () => {
    const settings = await e2e.api<{ tileFadeMinutes: number }>('GET', `/departments/${hospital.gen.id}/board-settings`);
    await e2e.api('PUT', `/departments/${hospital.gen.id}/board-settings`, { ticker: 'Please keep your ticket with you.', tileFadeMinutes: settings.tileFadeMinutes });
    // Two TVs at once: one nobody paired, and one signed in as the display account.
    const unpaired = async () => {
      const tv = await anonymous(TV);
      await tv.page.goto(`${e2e.url}/display/${hospital.gen.id}`);
      await tv.page.getByRole('heading', { name: 'Pair this screen' }).waitFor();
      await tv.watch.expectClean(tv.page, 'display pairing screen');
      await tv.watch.context.close();
    };
    const signedInBoard = async () => {
      const { watch, page } = await signedIn('display', TV);
      await page.goto(`${e2e.url}/display/${hospital.gen.id}`);
      await page.locator('.board-title').filter({ hasText: 'General OPD' }).waitFor();
      const token = await e2e.api<{ id: string; number: string }>('POST', '/tokens', { departmentId: hospital.gen.id, patient: { name: 'Board Check', phone: '98765 33333' } });
      await e2e.api('POST', `/tokens/${token.id}/call`, { counterId: hospital.gen.counters[1]!.id });
      await page.locator('.board-serving').filter({ hasText: token.number }).first().waitFor();
      await page.locator('.board-logo').waitFor();
      await page.locator('.board-ticker-text').filter({ hasText: 'Please keep your ticket with you.' }).first().waitFor();
      await watch.expectClean(page, 'display board');
      await watch.context.close();
    };
    await Promise.all([unpaired(), signedInBoard()]);
  });

  it('the kiosk checks a patient in by touch and prints the ticket', async () => {
    const { watch, page } = await signedIn('kiosk', PORTRAIT);
    await page.goto(`${e2e.url}/kiosk`);
    await page.getByRole('button', { name: /General OPD/ }).click();
    for (const letter of ['R', 'A', 'V', 'I']) await page.getByRole('button', { name: letter, exact: true }).click();
    await page.getByRole('textbox', { name: 'Mobile phone number' }).click();
    const keypad = page.getByRole('group', { name: 'Number keypad' });
    for (const digit of '9812345678') await keypad.getByRole('button', { name: digit, exact: true }).click();
    await page.getByRole('button', { name: 'Get my token' }).click();
    await page.getByRole('heading', { name: 'You are checked in' }).waitFor();
    await expect.poll(() => page.evaluate<number>('window.prints')).toBe(1);
    await watch.expectClean(page, 'kiosk: checked in and printed');
    await watch.context.close();
  });

  it('a patient joins by phone, follows the status page by link, and looks a token up at /status', async () => {
    const join = await e2e.api<JoinCode>('GET', `/departments/${phoneDept.id}/join-code`);
    const { watch, page } = await anonymous();
    const poster = new URL(join.url);
    await page.goto(`${e2e.url}${poster.pathname}${poster.hash}`);
    await page.getByRole('heading', { name: 'Join the queue' }).waitFor();
    await watch.expectClean(page, 'join page');
    await page.getByRole('textbox', { name: 'Your name' }).fill('Meera Iyer');
    await page.getByRole('textbox', { name: 'Phone number' }).fill('+919811122233');
    await page.getByRole('button', { name: 'Get my token' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/s/'));
    await page.getByText('PHN-001').first().waitFor();
    await watch.expectClean(page, 'status page by link (after joining)');

    const issued = await e2e.api<{ number: string }>('POST', '/tokens', { departmentId: hospital.gen.id, patient: { name: 'Lookup Check', phone: '98765 44321' } });
    await page.goto(`${e2e.url}/status`);
    await page.getByLabel('Token number').fill(issued.number);
    await page.getByLabel('Last 4 digits of your phone number').fill('4321');
    await page.getByRole('button', { name: 'Show my place' }).click();
    await page.getByText(issued.number).first().waitFor();
    await watch.expectClean(page, 'status lookup');
    await watch.context.close();
  });
});
