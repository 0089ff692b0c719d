import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, type Hospital } from './harness.js';

/**
 * The status page offers "Notify me on this phone" only where it can work: the server has push (an
 * https PUBLIC_URL) and the visit's department sends browser notifications. Before, the button showed
 * everywhere and a patient learnt only after tapping it that their department does not send them.
 */
describe('the status page’s browser-notification offer', () => {
  const e2e = new E2E();
  let hospital: Hospital;

  beforeAll(async () => {
    // Push needs an https address for the links; the browser itself reaches the server on loopback (a secure context).
    await e2e.start({ PUBLIC_URL: 'https://clinic.test' });
    hospital = await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  const statusPage = async (departmentId: string) => {
    const token = await e2e.api<{ statusKey: string; number: string }>('POST', '/tokens', { departmentId, patient: { name: 'Asha Rao', phone: '98765 43210' } });
    const { page } = await e2e.anonymous();
    await page.goto(`${e2e.url}/s/${token.statusKey}`);
    await page.getByText(token.number).first().waitFor();
    return page;
  };

  it('shows the button where the department sends browser notifications, and not where it does not', async () => {
    const offered = await statusPage(hospital.gen.id);
    await expect.poll(() => offered.locator('#st-push').isVisible(), { timeout: 5_000 }).toBe(true);
    expect(await offered.locator('#st-push').textContent()).toBe('Notify me on this phone');

    await e2e.api('PATCH', `/departments/${hospital.lab.id}/notifications`, { channels: { push: false } });
    const notOffered = await statusPage(hospital.lab.id);
    // The page has asked and drawn its answer: the position is there, the button is not (and does not come).
    await notOffered.getByText('Keep this page open').first().waitFor();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await notOffered.locator('#st-push').count()).toBe(0);
  });
});
