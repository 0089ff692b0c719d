import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot, seriousViolations } from './harness.js';

describe('the admin’s security feed', () => {
  const e2e = new E2E();

  beforeAll(async () => {
    await e2e.start();
  }, 120_000);
  afterAll(() => e2e.stop());

  it('shows the last 24 hours of refused sign-ins as a chart and names the address guessing', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${e2e.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nobody@e2e.test', password: `a wrong guess number ${i}` }),
      });
      expect(res.status).toBe(401);
    }
    const { page } = await e2e.signedIn('admin');
    await page.goto(`${e2e.url}/admin#security`);
    const panel = page.getByRole('tabpanel');
    await panel.getByText('Refused sign-ins: 4').waitFor({ timeout: 15_000 });
    const chart = panel.getByRole('img', { name: /events in the last 24 hours/ });
    expect(await chart.getAttribute('aria-label')).toMatch(/^\d+ events in the last 24 hours$/);
    // The current hour's bar holds the four refusals (the admin's own sign-in is not one).
    expect(Number(await chart.locator('g').last().getAttribute('data-count'))).toBeGreaterThanOrEqual(4);
    expect(await chart.locator('rect').count()).toBeGreaterThan(0);
    const addresses = panel.getByRole('table', { name: 'Addresses' });
    expect(await addresses.getByRole('row').count()).toBeGreaterThan(1);
    expect(await panel.getByRole('table', { name: 'Rules' }).textContent()).toContain('login.failed');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-security-feed');

    // Filtered to blocked requests only: none of the refusals above is one.
    await panel.getByLabel('Show').selectOption('blocked');
    await panel.getByText('Nothing in the last 24 hours.').waitFor({ timeout: 15_000 });
    expect(await panel.getByText('Refused sign-ins: 0').count()).toBe(1);
  });
});
