import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../apps/server/src/test/test-app.js';
import { E2E, screenshot, seriousViolations } from './harness.js';

/**
 * Issue 14 in the browser: my sessions (see another device, sign it out), my password, and an
 * admin's reset that lands the user on the Security page until they choose a new password.
 */
describe('the Security page and the admin’s user actions (issue 14)', () => {
  const e2e = new E2E();

  beforeAll(async () => {
    await e2e.start();
    await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${e2e.url}/login`);
    await page.getByLabel(/email/i).fill(email);
    await page.getByLabel(/password/i).fill(password);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  }

  it('lists where I am signed in and signs the other device out; that device is sent to sign in', async () => {
    const desk = await e2e.signedIn('receptionist');
    const other = await e2e.signedIn('receptionist');
    await desk.page.getByRole('link', { name: 'Security' }).click();
    const rows = desk.page.locator('section', { has: desk.page.getByRole('heading', { name: 'Where you are signed in' }) }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.filter({ hasText: 'This device' }).count()).toBe(1);
    expect(await seriousViolations(desk.page)).toEqual([]);
    await screenshot(desk.page, 'security-sessions');

    await rows.filter({ hasNotText: 'This device' }).getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await desk.page.getByRole('status').filter({ hasText: 'That device is signed out.' }).waitFor();

    // The other browser's next look at the server finds its session over.
    await other.page.reload();
    await other.page.waitForURL((u) => u.pathname.startsWith('/login'));
    await desk.context.close();
    await other.context.close();
  });

  it("an admin's reset shows a temporary password once; with it the user can only choose a new one, then goes on", async () => {
    const admin = await e2e.signedIn('admin');
    await admin.page.goto(`${e2e.url}/admin#users`);
    const row = admin.page.locator('tr', { hasText: 'doctor@e2e.test' });
    await row.getByRole('button', { name: 'Reset password' }).click();
    const dialog = admin.page.getByRole('alertdialog');
    await dialog.getByRole('button', { name: 'Reset password' }).click();
    const notice = admin.page.getByRole('status').filter({ hasText: 'Temporary password for' });
    await notice.waitFor();
    const temporary = /Temporary password for .+?: (\S+) —/.exec(await notice.innerText())?.[1];
    expect(temporary).toBeTruthy();
    await screenshot(admin.page, 'admin-user-reset');

    const { context, page } = await e2e.anonymous({ width: 1366, height: 900 });
    await signIn(page, 'doctor@e2e.test', temporary!);
    await page.waitForURL((u) => u.pathname === '/security');
    await page.getByText('An admin reset your password. Choose a new one to go on.').waitFor();
    // Anywhere else sends them back here.
    await page.goto(`${e2e.url}/counter`);
    await page.waitForURL((u) => u.pathname === '/security');
    await screenshot(page, 'security-must-change');

    await page.getByLabel('Current password').fill(temporary!);
    await page.getByLabel('New password', { exact: true }).fill('password1234');
    await page.getByLabel('New password again').fill('password1234');
    await page.getByRole('button', { name: 'Change password' }).click();
    // The server's refusal, as a sentence beside the field.
    await page.locator('.field-error').first().waitFor();
    expect(await page.locator('.field-error').first().innerText()).not.toMatch(/too easy to guess$|body\./);

    await page.getByLabel('New password', { exact: true }).fill('lanterns over the quiet harbour');
    await page.getByLabel('New password again').fill('lanterns over the quiet harbour');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL((u) => u.pathname === '/counter');
    await context.close();

    // And the admin's list says nothing is wrong with the account.
    await admin.page.reload();
    await admin.page.locator('tr', { hasText: 'doctor@e2e.test' }).getByText('Active').waitFor();
    await admin.context.close();
    await e2e.accessToken('doctor@e2e.test', 'lanterns over the quiet harbour');
    await expect(e2e.accessToken('doctor@e2e.test', TEST_PASSWORD)).rejects.toThrow(/401/);
  });

  it('an admin disables a user, who is refused at once, and enables them again', async () => {
    const kiosk = await e2e.signedIn('receptionist');
    const admin = await e2e.signedIn('admin');
    await admin.page.goto(`${e2e.url}/admin#users`);
    const row = admin.page.locator('tr', { hasText: 'receptionist@e2e.test' });
    await row.getByRole('button', { name: 'Disable' }).click();
    await admin.page.getByRole('alertdialog').getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled').waitFor();
    await kiosk.page.reload();
    await kiosk.page.waitForURL((u) => u.pathname.startsWith('/login'));
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('Active').waitFor();
    await e2e.accessToken('receptionist@e2e.test', TEST_PASSWORD);
    await kiosk.context.close();
    await admin.context.close();
  });
});
