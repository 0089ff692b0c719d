import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, type Hospital } from './harness.js';

/** Text a person may type that must show as typed: markup and SQL in names, a ticker, a department. */
const PATIENT = `<img src=x onerror="window.__hostile=1"> O'Brien <3`;
const SQL_NAME = `Robert'); DROP TABLE tokens;--`;
const TICKER = `<script>window.__hostile=1</script> Fasting tests before 10 <b>only</b>`;
const DEPARTMENT = `<svg onload="window.__hostile=1"> Dental`;

/** Fails the test if anything in the page ran: a dialog, or the flag the payloads would set. */
async function watchNothingRuns(page: Page): Promise<() => Promise<void>> {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return async () => {
    expect(dialogs).toEqual([]);
    expect(await page.evaluate<unknown>('window.__hostile')).toBeUndefined();
    expect(await page.locator('img[src="x"], svg[onload], script:not([src])').count()).toBe(0);
  };
}

/** Every value in the page's storage that looks like a JWT (the access token must live in an HttpOnly cookie only). */
const storedTokens = (page: Page) =>
  page.evaluate<string[]>(`[...Object.values(localStorage), ...Object.values(sessionStorage)].filter((v) => /eyJ[\\w-]+\\.[\\w-]+\\.[\\w-]+/.test(v))`);

describe('hostile text shown as typed, never run; tokens never in web storage', () => {
  const e2e = new E2E();
  let hospital: Hospital;
  let dental: { id: string };

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
    dental = await e2e.api<{ id: string }>('POST', '/departments', { code: 'DEN', name: DEPARTMENT });
    await e2e.api('POST', '/counters', { departmentId: dental.id, name: 'Chair 1' });
    await e2e.api('PUT', `/departments/${dental.id}/board-settings`, { ticker: TICKER });
    for (const name of [PATIENT, SQL_NAME]) await e2e.api('POST', '/tokens', { departmentId: hospital.gen.id, patient: { name, phone: '98765 55555' } });
  }, 120_000);
  afterAll(() => e2e.stop());

  it('reception lists the patients by the names as typed, and keeps no access token in web storage', async () => {
    const { page } = await e2e.signedIn('receptionist');
    const ran = await watchNothingRuns(page);
    await page.goto(`${e2e.url}/reception`);
    const gen = page.locator('.rcard').filter({ hasText: 'General OPD' });
    await gen.getByText(PATIENT, { exact: true }).waitFor();
    await gen.getByText(SQL_NAME, { exact: true }).waitFor();
    await page.locator('.rcard').filter({ hasText: DEPARTMENT }).waitFor();
    await ran();
    expect(await storedTokens(page)).toEqual([]);
    // The probe itself finds a token where one is put.
    await page.evaluate(`sessionStorage.setItem('probe', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')`);
    expect(await storedTokens(page)).toHaveLength(1);
  });

  it('the board shows the department’s name and the ticker as text', async () => {
    const { page } = await e2e.signedIn('display', { width: 1920, height: 1080 });
    const ran = await watchNothingRuns(page);
    await page.goto(`${e2e.url}/display/${dental.id}`);
    await page.getByText(TICKER).first().waitFor();
    await page.getByText(DEPARTMENT).first().waitFor();
    await ran();
    expect(await storedTokens(page)).toEqual([]);
  });
});
