import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../apps/server/src/test/test-app.js';
import { E2E, screenshot, seriousViolations, type Hospital } from './harness.js';

async function signIn(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel(/email/i).fill(email);
  await page.getByLabel(/password/i).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** The counters the console offers, by name. */
async function offeredCounters(page: Page): Promise<string[]> {
  await page.goto(page.url().replace(/\/[^/]*$/, '/counter'));
  const picker = page.getByLabel('Choose your counter');
  await picker.waitFor();
  return (await picker.locator('option').allInnerTexts()).map((s) => s.trim()).filter((s) => s !== 'Choose your counter');
}

describe("users' departments in the browser", () => {
  const e2e = new E2E();
  let hospital: Hospital;

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
    await e2e.api('POST', '/users', { email: 'nobody@e2e.test', name: 'Dr Nowhere', role: 'doctor', password: TEST_PASSWORD });
  }, 120_000);
  afterAll(() => e2e.stop());

  it('an admin gives a new doctor a department, is warned about a doctor with none, and the doctor’s console offers only their counters', async () => {
    const admin = await e2e.signedIn('admin');
    await admin.page.goto(`${e2e.url}/admin#users`);
    await admin.page.locator('tr', { hasText: 'nobody@e2e.test' }).getByText('No department: this doctor cannot call any patient').waitFor();

    await admin.page.getByLabel('Email').fill('lab.doctor@e2e.test');
    await admin.page.getByLabel('Full name').fill('Dr Lab');
    await admin.page.getByLabel('Role').selectOption({ label: 'Doctor / counter staff' });
    await admin.page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    // React Aria draws the box; the input itself is visually hidden, so a person clicks the label.
    await admin.page.locator('label', { hasText: 'Laboratory (LAB)' }).click();
    expect(await admin.page.getByRole('checkbox', { name: 'Laboratory (LAB)' }).isChecked()).toBe(true);
    await admin.page.getByRole('button', { name: 'Create' }).click();
    const row = admin.page.locator('tr', { hasText: 'lab.doctor@e2e.test' });
    await row.getByRole('cell', { name: 'Laboratory' }).waitFor();
    expect(await seriousViolations(admin.page)).toEqual([]);
    await screenshot(admin.page, 'admin-user-departments');

    const doctor = await e2e.anonymous({ width: 1366, height: 900 });
    await signIn(doctor.page, e2e.url, 'lab.doctor@e2e.test');
    expect(await offeredCounters(doctor.page)).toEqual(['Sample Desk 1']);

    // The admin adds General OPD; the doctor's console offers its rooms from the next load.
    await row.getByRole('button', { name: 'Departments…' }).click();
    const dialog = admin.page.getByRole('alertdialog');
    await dialog.locator('label', { hasText: 'General OPD (GEN)' }).click();
    expect(await dialog.getByRole('checkbox', { name: 'General OPD (GEN)' }).isChecked()).toBe(true);
    expect(await seriousViolations(admin.page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await admin.page.getByRole('status').filter({ hasText: 'Dr Lab now works in' }).waitFor();
    expect(hospital.gen.counters.map((c) => c.name)).toEqual(['Room 3', 'Room 4']);
    expect((await offeredCounters(doctor.page)).sort()).toEqual(['Room 3', 'Room 4', 'Sample Desk 1']);

    // A doctor with no department is told why there is no counter for them.
    const nowhere = await e2e.anonymous({ width: 1366, height: 900 });
    await signIn(nowhere.page, e2e.url, 'nobody@e2e.test');
    await nowhere.page.goto(`${e2e.url}/counter`);
    await nowhere.page.getByText('You work in no department yet').waitFor();
    expect(await nowhere.page.getByLabel('Choose your counter').count()).toBe(0);

    await nowhere.context.close();
    await doctor.context.close();
    await admin.context.close();
  });
});
