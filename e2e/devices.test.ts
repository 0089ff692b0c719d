import type { CreatedDevice, JoinCode } from '@smart-token/contracts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot, seriousViolations, type Hospital } from './harness.js';

const TV = { width: 1920, height: 1080 };
const PORTRAIT = { width: 1080, height: 1920 };
/** A paired screen asks every 5 s whether it is still allowed (features/devices DEVICE_CHECK_MS), and its socket closes at once. */
const BACK_TO_PAIRING_WITHIN_MS = 12_000;

async function pair(page: Page, code: string): Promise<void> {
  await page.getByRole('heading', { name: 'Pair this screen' }).waitFor();
  await page.getByText('Enter the pairing code shown in Admin → Devices.').waitFor();
  await page.getByRole('textbox', { name: 'Pairing code' }).fill(code);
  await page.getByRole('button', { name: 'Pair', exact: true }).click();
}

describe('boards and kiosks paired as devices: no staff sign-in, revocable', () => {
  const e2e = new E2E();
  let hospital: Hospital;

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  it('an admin creates a board; a fresh browser pairs /display/<id> with the code and shows the board without a login; revoked, it returns to pairing', async () => {
    const { page: admin } = await e2e.signedIn('admin');
    await admin.goto(`${e2e.url}/admin#devices`);
    await admin.getByRole('heading', { name: 'New device' }).waitFor();
    await admin.getByRole('textbox', { name: 'Name' }).fill('Waiting hall TV');
    await admin.getByRole('combobox', { name: 'Kind' }).selectOption('display');
    await admin.getByRole('checkbox', { name: /General OPD/ }).check();
    await admin.getByRole('button', { name: 'Create device' }).click();
    await admin.getByText('Shown once: copy it now. It cannot be shown again.').waitFor();
    const code = ((await admin.getByTestId('pairing-code').textContent()) ?? '').trim();
    expect(code).toMatch(/^\d{4} \d{4}$/);
    expect((await admin.getByTestId('device-key').textContent())?.trim()).toMatch(/^stk_/);
    await screenshot(admin, 'devices-created');
    expect(await seriousViolations(admin)).toEqual([]);

    // The TV: a browser nobody ever signed in on.
    const tv = await e2e.anonymous(TV);
    await tv.page.goto(`${e2e.url}/display/${hospital.gen.id}`);
    await tv.page.getByRole('heading', { name: 'Pair this screen' }).waitFor();
    expect(await seriousViolations(tv.page)).toEqual([]);
    await screenshot(tv.page, 'devices-pairing-screen');
    await pair(tv.page, code);
    await tv.page.locator('.board-title').filter({ hasText: 'General OPD' }).waitFor();

    // It follows calls live on its device cookie, and keeps running after a reload (no login anywhere).
    const token = await e2e.api<{ id: string; number: string }>('POST', '/tokens', { departmentId: hospital.gen.id, patient: { name: 'Asha Rao', phone: '+919876543210' } });
    await e2e.api('POST', `/counters/${hospital.gen.counters[0]!.id}/call-next`);
    await tv.page.getByText(token.number).first().waitFor();
    await tv.page.reload();
    await tv.page.locator('.board-title').filter({ hasText: 'General OPD' }).waitFor();
    expect(new URL(tv.page.url()).pathname).toBe(`/display/${hospital.gen.id}`);
    await screenshot(tv.page, 'devices-board-paired');
    // Its key names one department: another one's board is refused.
    await tv.page.goto(`${e2e.url}/display/${hospital.lab.id}`);
    await tv.page.getByText('This board is not allowed to show that department.', { exact: false }).waitFor();
    await tv.page.goto(`${e2e.url}/display/${hospital.gen.id}`);
    await tv.page.locator('.board-title').filter({ hasText: 'General OPD' }).waitFor();

    // The list shows it as used; revoking asks first.
    await admin.reload();
    const row = admin.getByRole('row').filter({ hasText: 'Waiting hall TV' });
    await expect.poll(async () => (await row.textContent()) ?? '').not.toContain('Never');
    await row.getByRole('button', { name: 'Revoke Waiting hall TV' }).click();
    const dialog = admin.getByRole('alertdialog');
    await dialog.getByText(/Its key stops working at once/).waitFor();
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await row.getByText('Revoked').waitFor();

    const revokedAt = Date.now();
    await tv.page.getByRole('heading', { name: 'Pair this screen' }).waitFor({ timeout: BACK_TO_PAIRING_WITHIN_MS });
    expect(Date.now() - revokedAt).toBeLessThan(BACK_TO_PAIRING_WITHIN_MS);
    await tv.context.close();
  });

  it('a paired kiosk checks a patient in, with no staff sign-in', async () => {
    const kiosk = await e2e.api<CreatedDevice>('POST', '/devices', { name: 'Entrance kiosk', role: 'kiosk', departmentIds: [hospital.gen.id] });
    const { context, page } = await e2e.anonymous(PORTRAIT);
    await context.addInitScript('window.print = () => undefined;');
    await page.goto(`${e2e.url}/kiosk`);
    await pair(page, kiosk.pairingCode);
    await page.getByRole('button', { name: /General OPD/ }).click();
    // Only its own department is offered.
    const key = (name: string) => page.getByRole('button', { name, exact: true });
    for (const letter of ['R', 'A', 'V', 'I']) await key(letter).click();
    await page.getByRole('textbox', { name: 'Mobile phone number' }).click();
    const keypad = page.getByRole('group', { name: 'Number keypad' });
    for (const digit of '9812345678') await keypad.getByRole('button', { name: digit, exact: true }).click();
    await page.getByRole('button', { name: 'Get my token' }).click();
    await page.getByRole('heading', { name: 'You are checked in' }).waitFor();
    await screenshot(page, 'devices-kiosk-checked-in');
    const queue = await e2e.api<{ waiting: { patient: { name: string } }[] }>('GET', `/departments/${hospital.gen.id}/queue`);
    expect(queue.waiting.map((t) => t.patient.name)).toContain('Ravi');
    await context.close();
  });

  it('a patient joins from their phone with the poster’s code and lands on their status page; an old code is refused', async () => {
    const phoneDept = await e2e.api<{ id: string }>('POST', '/departments', { code: 'PHN', name: 'Phone OPD', selfCheckIn: 'phone' });
    const join = await e2e.api<JoinCode>('GET', `/departments/${phoneDept.id}/join-code`);
    // The poster's address is built on PUBLIC_URL (clinic.test here): the same path and fragment on this server.
    const poster = new URL(join.url);
    expect(`${poster.pathname}${poster.hash}`).toBe(`/join/${phoneDept.id}#${join.joinCode}`);
    const { context, page } = await e2e.anonymous();
    await page.goto(`${e2e.url}${poster.pathname}${poster.hash}`);
    await page.getByRole('heading', { name: 'Join the queue' }).waitFor();
    await page.getByText('Phone OPD').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('textbox', { name: 'Your name' }).fill('Meera Iyer');
    await page.getByRole('textbox', { name: 'Phone number' }).fill('+919811122233');
    await screenshot(page, 'devices-phone-join');
    await page.getByRole('button', { name: 'Get my token' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/s/'));
    await page.getByText('PHN-001').first().waitFor();

    const stale = await e2e.anonymous();
    await stale.page.goto(`${e2e.url}/join/${phoneDept.id}#ABCDEFGHJK`);
    await stale.page.getByRole('textbox', { name: 'Your name' }).fill('Someone Else');
    await stale.page.getByRole('textbox', { name: 'Phone number' }).fill('+919811122244');
    await stale.page.getByRole('button', { name: 'Get my token' }).click();
    await stale.page.getByText('This QR code is out of date.', { exact: false }).waitFor();
    await context.close();
    await stale.context.close();
  });
});
