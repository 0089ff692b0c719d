import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot, seriousViolations, type Hospital } from './harness.js';

describe('every screen, checked by axe-core and kept as a screenshot', () => {
  const e2e = new E2E();
  let hospital: Hospital;
  let statusKey: string;

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
    const token = await e2e.api<{ id: string; statusKey: string }>('POST', '/tokens', { departmentId: hospital.gen.id, patient: { name: 'Asha Rao', phone: '98765 43210' } });
    await e2e.api('POST', '/tokens', { departmentId: hospital.gen.id, patient: { name: 'Ravi Kumar', phone: '98765 11111' }, priority: 'priority' });
    await e2e.api('POST', `/tokens/${token.id}/call`, { counterId: hospital.gen.counters[0]!.id });
    statusKey = token.statusKey;
  }, 120_000);
  afterAll(() => e2e.stop());

  async function check(page: Page, name: string, ready: string): Promise<void> {
    await page.locator(ready).first().waitFor({ state: 'visible' });
    await screenshot(page, name);
    expect(await seriousViolations(page), name).toEqual([]);
  }

  it('login', async () => {
    const { page } = await e2e.anonymous({ width: 1366, height: 900 });
    await page.goto(`${e2e.url}/login`);
    await check(page, 'login', 'form');
  });

  it('reception', async () => {
    const { page } = await e2e.signedIn('receptionist');
    await page.goto(`${e2e.url}/reception`);
    await check(page, 'reception', 'main h1');
  });

  it('counter console with a patient called', async () => {
    const { page } = await e2e.signedIn('doctor');
    await page.goto(`${e2e.url}/counter`);
    await page.getByLabel('Choose your counter').selectOption({ label: 'Room 3' });
    await page.getByText('Asha Rao').first().waitFor();
    await check(page, 'counter', 'main h1');
  });

  it('admin', async () => {
    const { page } = await e2e.signedIn('admin');
    await page.goto(`${e2e.url}/admin`);
    await check(page, 'admin', 'main h1');
  });

  it('display board picker and board', async () => {
    const { page } = await e2e.signedIn('display', { width: 1920, height: 1080 });
    await page.goto(`${e2e.url}/display`);
    await check(page, 'display-picker', 'main h1');
    await page.goto(`${e2e.url}/display/${hospital.gen.id}`);
    await check(page, 'display-board', '.board-title');
  });

  it('kiosk', async () => {
    const { page } = await e2e.signedIn('kiosk', { width: 1080, height: 1920 });
    await page.goto(`${e2e.url}/kiosk`);
    await check(page, 'kiosk', 'h1');
  });

  it('patient status form and live status page', async () => {
    const { page } = await e2e.anonymous();
    await page.goto(`${e2e.url}/status`);
    await check(page, 'status-form', 'form');
    await page.goto(`${e2e.url}/s/${statusKey}`);
    await page.getByText('Room 3').first().waitFor();
    await check(page, 'status-called', 'main');
  });

  it('lays the page out right to left in Arabic', async () => {
    const { page } = await e2e.signedIn('receptionist');
    await page.goto(`${e2e.url}/reception`);
    await page.getByLabel('Language').first().selectOption('ar');
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('rtl');
    await check(page, 'reception-arabic', 'main h1');
    const { page: phone } = await e2e.anonymous();
    await phone.goto(`${e2e.url}/s/${statusKey}`);
    await phone.getByLabel(/Language/).first().selectOption('ar');
    await expect.poll(() => phone.evaluate('document.documentElement.dir')).toBe('rtl');
    await check(phone, 'status-arabic', 'main');
  });
});
