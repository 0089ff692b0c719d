import jsQRModule from 'jsqr';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOTP_PERIOD_SECONDS, totpCode } from '../apps/server/src/modules/auth/two-factor.js';
import { TEST_PASSWORD } from '../apps/server/src/test/test-app.js';
import { E2E, screenshot, seriousViolations } from './harness.js';

const EMAIL = 'second-admin@e2e.test';
const STEP_MS = TOTP_PERIOD_SECONDS * 1000;

/** jsqr is CommonJS whose types say `export default`: under NodeNext the default import is the module, whose `default` is the function. */
const jsQR = jsQRModule.default;

/** The text of the QR code in a PNG screenshot, or a failed test. */
function readQrCode(png: Buffer): string {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!found) throw new Error('no QR code could be read from the screen');
  return found.data;
}

/**
 * Issue 14, item 6 in the browser: a new admin's first sign-in leads to the Security page, which
 * enrols two-step sign-in by reading the QR code off the screen (the code computed here, as the phone would), shows
 * the recovery codes once; the next sign-in asks for a code, or takes a recovery code once.
 */
describe('two-step sign-in in the browser (issue 14)', () => {
  const e2e = new E2E();
  let secret = '';
  let recoveryCodes: string[] = [];
  /** The code that turned it on, and when: spent, so typing it again at sign-in is a replay. */
  let enrolment = { code: '', at: 0 };

  beforeAll(async () => {
    await e2e.start();
    await e2e.api('POST', '/users', { email: EMAIL, name: 'Second Admin', role: 'admin', password: TEST_PASSWORD });
  }, 120_000);
  afterAll(() => e2e.stop());

  async function passwordStep(page: Page): Promise<void> {
    await page.goto(`${e2e.url}/login`);
    await page.getByLabel(/email/i).fill(EMAIL);
    await page.getByLabel(/password/i).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
  }

  it('sends an admin without it to the Security page, enrols by scanning the QR code and shows ten recovery codes once', async () => {
    const { context, page } = await e2e.anonymous({ width: 1366, height: 900 });
    await passwordStep(page);
    await page.waitForURL((u) => u.pathname === '/security');
    await page.getByText('Admins must turn on two-step sign-in before anything else.', { exact: false }).waitFor();
    // Anywhere else leads back here until it is on.
    await page.goto(`${e2e.url}/admin`);
    await page.waitForURL((u) => u.pathname === '/security');

    await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    const qr = page.getByRole('img', { name: 'QR code to add Smart Token to your authenticator app' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    // What a phone's camera sees: the QR code as drawn on the screen, read as an authenticator app reads it.
    const scanned = new URL(readQrCode(await qr.screenshot()));
    expect(scanned.protocol).toBe('otpauth:');
    expect(scanned.host).toBe('totp');
    expect(decodeURIComponent(scanned.pathname)).toContain(EMAIL);
    expect(Object.fromEntries(scanned.searchParams)).toMatchObject({ issuer: expect.stringContaining('Smart Token'), algorithm: 'SHA1', digits: '6', period: '30' });
    secret = scanned.searchParams.get('secret')!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The key typed by hand (for a phone without a camera) is the same.
    expect((await page.getByLabel('Key for the authenticator app').innerText()).replace(/\s/g, '')).toBe(secret);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'two-factor-setup');

    // A wrong code is refused beside the field.
    const wrong = String((Number(totpCode(secret, Date.now())) + 500_000) % 1_000_000).padStart(6, '0');
    await page.getByLabel('Code shown in the app').fill(wrong);
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('That is not the current code.', { exact: false }).waitFor();

    enrolment = { at: Date.now(), code: '' };
    enrolment.code = totpCode(secret, enrolment.at);
    await page.getByLabel('Code shown in the app').fill(enrolment.code);
    await page.getByRole('button', { name: 'Turn on' }).click();
    const list = page.getByRole('list', { name: 'Your recovery codes' });
    await list.waitFor();
    recoveryCodes = (await list.getByRole('listitem').allInnerTexts()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'two-factor-recovery-codes');

    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.waitForURL((u) => u.pathname === '/admin');
    await page.goto(`${e2e.url}/security`);
    await page.locator('section', { has: page.getByRole('heading', { name: /Two-step sign-in/ }) }).getByText('On', { exact: true }).waitFor();
    // The codes were shown once: the page no longer has them.
    expect(await page.getByText(recoveryCodes[0]!).count()).toBe(0);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/login'));
    await context.close();
  });

  it('asks for the code after the password, refuses a used one, and signs in with the next', async () => {
    const { context, page } = await e2e.anonymous({ width: 1366, height: 900 });
    await passwordStep(page);
    const code = page.getByLabel('Code from your authenticator app');
    await code.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'two-factor-login-code');

    // The code that turned it on is spent: typed again it is a replay.
    await code.fill(enrolment.code);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByText('That code is not right, or was already used.', { exact: false }).waitFor();

    // A later step's code (the next one, if the clock has not moved past it yet).
    await code.fill(totpCode(secret, Math.max(Date.now(), enrolment.at + STEP_MS)));
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL((u) => u.pathname === '/admin');
    await context.close();
  });

  it('takes a recovery code once in place of the code', async () => {
    const { context, page } = await e2e.anonymous({ width: 1366, height: 900 });
    await passwordStep(page);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL((u) => u.pathname === '/admin');
    await context.close();

    const again = await e2e.anonymous({ width: 1366, height: 900 });
    await passwordStep(again.page);
    await again.page.getByRole('button', { name: 'Use a recovery code' }).click();
    await again.page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await again.page.getByRole('button', { name: /sign in/i }).click();
    await again.page.getByText('That recovery code is not right, or was already used.').waitFor();
    expect(again.page.url()).toContain('/login');
    await again.context.close();
  });
});
