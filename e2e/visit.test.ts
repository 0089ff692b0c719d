import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, issueByKeyboard, screenshot, type Hospital } from './harness.js';

/** Waits until the page shows the text in the element the selector names (push, not reload). */
async function shows(page: Page, selector: string, text: string | RegExp, timeout = 5000): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).first().waitFor({ state: 'visible', timeout });
}

describe('a morning at the clinic in the browser', () => {
  const e2e = new E2E();
  let hospital: Hospital;
  let board: Page;
  let patient: Page;

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
    board = (await e2e.signedIn('display', { width: 1920, height: 1080 })).page;
    await board.goto(`${e2e.url}/display/${hospital.gen.id}`);
    await board.locator('.board-title').filter({ hasText: 'General OPD' }).waitFor();
  }, 120_000);
  afterAll(() => e2e.stop());

  it('reception issues a token; the board and the patient’s phone show it; the counter calls it; both change without reload', async () => {
    const { page: reception } = await e2e.signedIn('receptionist');
    await reception.goto(`${e2e.url}/reception`);
    await reception.getByLabel('Department', { exact: true }).selectOption({ label: 'General OPD (GEN)' }).catch(async () => {
      await reception.getByLabel('Department', { exact: true }).selectOption({ label: 'General OPD' });
    });
    await issueByKeyboard(reception, '98765 43210', 'Asha Rao');
    await shows(reception, '.ticket', 'GEN-001');
    await screenshot(reception, 'reception-issued');

    // The board shows the new token as next up, pushed over the live socket.
    await shows(board, '.board-next', 'GEN-001');
    await screenshot(board, 'board-next');

    // The patient follows their place on a phone: number + last 4 digits.
    patient = (await e2e.anonymous()).page;
    await patient.goto(`${e2e.url}/status`);
    await patient.getByLabel('Token number').fill('GEN-001');
    await patient.getByLabel('Last 4 digits of your phone number').fill('3210');
    await patient.getByRole('button', { name: 'Show my place' }).click();
    await shows(patient, 'main', 'You are next');
    await screenshot(patient, 'patient-waiting');

    // The doctor calls next at Room 3.
    const { page: counter } = await e2e.signedIn('doctor');
    await counter.goto(`${e2e.url}/counter`);
    await counter.getByLabel(/counter/i).first().selectOption({ label: 'Room 3' });
    await counter.getByRole('button', { name: /^Call next/ }).first().click();
    await shows(counter, 'main', 'Asha Rao');
    await screenshot(counter, 'counter-called');

    await shows(board, '.board-serving', /GEN-001[\s\S]*Room 3/);
    await screenshot(board, 'board-serving');
    await shows(patient, 'main', 'Called — please go to Room 3');
    await screenshot(patient, 'patient-called');
  });

  it('the board rides out a server restart and catches up with what happened meanwhile', async () => {
    await e2e.restartServer();
    const token = await e2e.api<{ id: string; number: string }>('POST', '/tokens', { departmentId: hospital.gen.id, patient: { name: 'Ravi Kumar', phone: '98765 11111' } });
    await e2e.api('POST', `/tokens/${token.id}/call`, { counterId: hospital.gen.counters[1]!.id });
    await shows(board, '.board-serving', new RegExp(`${token.number}[\\s\\S]*Room 4`), 20_000);
    // The tile can arrive by the board's reload before its socket is back: the badge must then clear by itself.
    await expect.poll(() => board.getByText('Reconnecting', { exact: false }).count(), { timeout: 15_000 }).toBe(0);
    await screenshot(board, 'board-after-restart');
  });
});
