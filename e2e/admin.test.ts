import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot, seriousViolations, type Hospital } from './harness.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describe('the admin screen (issue 13: defects 1, 5, 7 and 8, tabs, branding, today)', () => {
  const e2e = new E2E();
  let hospital: Hospital;

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  async function admin(tab: string): Promise<Page> {
    const { page } = await e2e.signedIn('admin');
    await page.goto(`${e2e.url}/admin#${tab}`);
    await page.getByRole('tabpanel').first().waitFor();
    return page;
  }

  const counterNames = (page: Page, department: string) =>
    page.getByRole('region', { name: new RegExp(department) }).locator('tbody tr td:nth-child(2)').allInnerTexts();

  it('shows one section at a time in tabs, and each passes axe', async () => {
    const page = await admin('today');
    for (const name of ['Today', 'Departments', 'Counters and rooms', 'Staff and devices', 'Clinic and status address']) {
      await page.getByRole('tab', { name }).click();
      await expect.poll(() => page.getByRole('tab', { name }).getAttribute('aria-selected')).toBe('true');
      expect(await page.getByRole('tabpanel').count()).toBe(1);
      expect(await seriousViolations(page), name).toEqual([]);
    }
    await screenshot(page, 'admin-tabs');
  });

  it('refuses a second "Room 3" in General OPD with a sentence beside the form (defect 5)', async () => {
    const page = await admin('counters');
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'New counter or room' }) });
    await form.getByLabel('Department').selectOption({ label: 'General OPD (GEN)' });
    await form.getByLabel('Counter or room name').fill('room 3');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => form.getByRole('alert').innerText()).toBe('Counter “Room 3” already exists in General OPD.');
    await screenshot(page, 'admin-duplicate-counter');
    expect(await counterNames(page, 'General OPD')).toEqual(['Room 3', 'Room 4']);
  });

  it('says which field is wrong in a sentence, not the validator’s words', async () => {
    const page = await admin('departments');
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'New department' }) });
    await form.getByRole('button', { name: 'Create' }).click();
    const alert = await form.getByRole('alert').innerText();
    expect(alert).not.toMatch(/too small|body\.|expected/i);
    expect(alert).toMatch(/Code/);
    expect(alert).toMatch(/Name/);
  });

  it('renames, reorders and deactivates a counter; another open admin screen follows live, and a reload keeps it (defect 7)', async () => {
    const page = await admin('counters');
    const watcher = await admin('counters');
    const general = page.getByRole('region', { name: /General OPD/ });
    await general.getByRole('button', { name: 'Rename Room 4' }).click();
    await general.getByLabel('New name').fill('Room 5');
    await general.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Room 4 is now called Room 5.' }).count()).toBe(1);
    await expect.poll(() => counterNames(watcher, 'General OPD')).toEqual(['Room 3', 'Room 5']);

    await general.getByRole('button', { name: 'Move Room 5 up' }).click();
    await expect.poll(() => counterNames(page, 'General OPD')).toEqual(['Room 5', 'Room 3']);
    await expect.poll(() => counterNames(watcher, 'General OPD')).toEqual(['Room 5', 'Room 3']);

    await general.getByRole('button', { name: 'Deactivate Room 3' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    await screenshot(page, 'admin-deactivate-dialog');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Deactivate' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => general.getByRole('row', { name: /Room 3/ }).innerText()).toMatch(/Deactivated/);

    await page.reload();
    await expect.poll(() => counterNames(page, 'General OPD')).toEqual(['Room 5', 'Room 3']);
    const counters = await e2e.api<{ name: string; active: boolean }[]>('GET', `/counters?departmentId=${hospital.gen.id}`);
    expect(counters.map((c) => [c.name, c.active])).toEqual([
      ['Room 5', true],
      ['Room 3', false],
    ]);
    await screenshot(page, 'admin-counters');
  });

  it('refuses to delete a department with tokens and says to deactivate it, then deactivates it (defect 7)', async () => {
    const made = await e2e.api<{ id: string }>('POST', '/departments', { code: 'PHA', name: 'Pharmacy' });
    await e2e.api('POST', '/tokens', { departmentId: made.id, patient: { name: 'Asha Rao', phone: '98765 43210' } });
    const page = await admin('departments');
    await page.getByRole('button', { name: 'Delete Pharmacy' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => dialog.getByRole('alert').innerText()).toBe('Pharmacy has tokens; deactivate it instead.');
    await screenshot(page, 'admin-delete-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Deactivate Pharmacy' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Pharmacy is deactivated' }).count()).toBe(1);
    expect((await e2e.api<{ id: string; active: boolean }[]>('GET', '/departments')).find((d) => d.id === made.id)?.active).toBe(false);

    // One made by mistake, never used, goes away.
    await e2e.api('POST', '/departments', { code: 'TMP', name: 'Made by mistake' });
    await page.reload();
    await page.getByRole('button', { name: 'Delete Made by mistake' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Department Made by mistake deleted.' }).count()).toBe(1);
  });

  it('marks the entry department, with its names in Hindi and Arabic (defect 1, admin part)', async () => {
    const page = await admin('departments');
    await page.getByRole('button', { name: 'Edit General OPD' }).click();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Edit General OPD' }) });
    await form.getByLabel('Entry desk (registration/OPD): reception starts here').check();
    await form.getByLabel('Name in Hindi').fill('सामान्य ओपीडी');
    await form.getByLabel('Name in Arabic').fill('العيادات العامة');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('row', { name: /General OPD/ }).innerText()).toMatch(/Entry desk/);
    const gen = (await e2e.api<{ id: string; isEntry: boolean; names: object }[]>('GET', '/departments')).find((d) => d.id === hospital.gen.id);
    expect(gen).toMatchObject({ isEntry: true, names: { hi: 'सामान्य ओपीडी', ar: 'العيادات العامة' } });
    await screenshot(page, 'admin-departments');
  });

  it('keeps the clinic’s name and logo for every screen, and refuses an SVG', async () => {
    const page = await admin('branding');
    await page.getByLabel('Clinic name', { exact: true }).fill('City Care Clinic');
    await page.getByLabel('Logo', { exact: true }).setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') });
    await expect.poll(() => page.locator('#logo-note').innerText()).toMatch(/SVG is not accepted/);
    await page.getByLabel('Logo', { exact: true }).setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('img', { name: 'The logo as it will be shown' }).waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Clinic name and logo saved.' }).count()).toBe(1);
    const branding = (await (await fetch(`${e2e.url}/api/v1/public/branding`)).json()) as { clinicName: string; logoUrl: string };
    expect(branding.clinicName).toBe('City Care Clinic');
    const logo = await fetch(`${e2e.url}${branding.logoUrl}`);
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await logo.arrayBuffer()).equals(PNG)).toBe(true);
    await screenshot(page, 'admin-branding');
  });

  it('updates today’s figures live as tokens are issued and called', async () => {
    const page = await admin('today');
    const tile = (label: string) => page.locator('.tile', { has: page.getByText(label, { exact: true }) }).locator('dd');
    const before = Number(await tile('Tokens issued').innerText());
    const token = await e2e.api<{ id: string }>('POST', '/tokens', { departmentId: hospital.lab.id, patient: { name: 'Ravi Kumar', phone: '98765 11111' } });
    await expect.poll(() => tile('Tokens issued').innerText(), { timeout: 5000 }).toBe(String(before + 1));
    await e2e.api('POST', `/tokens/${token.id}/call`, { counterId: hospital.lab.counters[0]!.id });
    await e2e.api('POST', `/tokens/${token.id}/complete`, {});
    await expect.poll(() => tile('Served').innerText(), { timeout: 5000 }).toBe('1');
    expect(await page.getByRole('row', { name: /Sample Desk 1/ }).innerText()).toMatch(/1$/);
    expect(await page.innerText('main')).not.toContain('Ravi Kumar');
    await screenshot(page, 'admin-today');
  });

  it('reads in Arabic right to left, with axe still clean', async () => {
    const page = await admin('counters');
    await page.getByLabel('Language').first().selectOption('ar');
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('rtl');
    await page.getByRole('tab', { name: 'الشبابيك والغرف' }).waitFor();
    // A refused duplicate is said in Arabic too, not in the server's English.
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'شباك أو غرفة جديدة' }) });
    await form.getByLabel('القسم').selectOption({ label: 'Laboratory (LAB)' });
    await form.getByLabel('اسم الشباك أو الغرفة').fill('Sample Desk 1');
    await form.getByRole('button', { name: 'أنشئ' }).click();
    await expect.poll(() => form.getByRole('alert').innerText()).toBe('يوجد شباك باسم «Sample Desk 1» في Laboratory؛ اختر اسمًا آخر.');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-arabic');
  });

  it('reads in Hindi with the bundled Devanagari font', async () => {
    const page = await admin('departments');
    await page.getByLabel('Language').first().selectOption('hi');
    await page.getByRole('tab', { name: 'विभाग' }).waitFor();
    await page.evaluate('document.fonts.ready');
    expect(await page.evaluate(`[...document.fonts].some((f) => f.family.includes('Devanagari') && f.status === 'loaded')`)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-hindi');
  });

  it('shows the status address phones get, and warns when it is this machine’s own address (defect 8, admin part)', async () => {
    let page = await admin('branding');
    await expect.poll(() => page.locator('.status-url').innerText()).toBe('http://clinic.test/status');
    expect(await page.getByText('Phones cannot open this address.').count()).toBe(0);
    // The same server started with PUBLIC_URL on loopback (127.0.0.1).
    await e2e.restartServer();
    page = await admin('branding');
    await expect.poll(() => page.locator('.status-url').innerText()).toBe(`${e2e.url}/status`);
    await page.getByText('Phones cannot open this address.').waitFor();
    await screenshot(page, 'admin-status-address-loopback');
  });
});
