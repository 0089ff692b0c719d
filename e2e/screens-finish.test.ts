import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot, seriousViolations, type Hospital } from './harness.js';

const GEN_NAMES = { hi: 'सामान्य ओपीडी', ar: 'العيادات العامة' };
const LAB_NAMES = { hi: 'प्रयोगशाला', ar: 'المختبر' };
const PORTRAIT = { width: 1080, height: 1920 };
/** Far below the 30 s the board used to wait before reading its settings again. */
const PUSHED_WITHIN_MS = 5_000;

interface Issued {
  id: string;
  number: string;
  statusKey: string;
}

const optionTexts = async (page: Page, label: string | RegExp) => (await page.getByLabel(label).locator('option').allTextContents()).map((t) => t.trim());
const inLanguage = (context: BrowserContext, language: string) => context.addInitScript(`localStorage.setItem('smart-token.language', ${JSON.stringify(language)})`);

describe('screens offer only active departments and counters, and name departments in the reader’s language', () => {
  const e2e = new E2E();
  let hospital: Hospital;
  let closed: { id: string };
  let retired: { id: string };

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
    await e2e.api('PATCH', `/departments/${hospital.gen.id}`, { names: GEN_NAMES });
    await e2e.api('PATCH', `/departments/${hospital.lab.id}`, { names: LAB_NAMES });
    // A department and a counter the admin switched off: the server refuses them, so no screen may offer them.
    closed = await e2e.api<{ id: string }>('POST', '/departments', { code: 'CLS', name: 'Closed Clinic', selfCheckIn: true });
    await e2e.api('PATCH', `/departments/${closed.id}`, { active: false });
    retired = await e2e.api<{ id: string }>('POST', '/counters', { departmentId: hospital.gen.id, name: 'Room 9' });
    await e2e.api('PATCH', `/counters/${retired.id}`, { active: false });
  }, 120_000);
  afterAll(() => e2e.stop());

  const issue = (departmentId: string, name: string, phone: string) => e2e.api<Issued>('POST', '/tokens', { departmentId, patient: { name, phone } });

  it('the counter lists only working counters, and sends or transfers only to active departments', async () => {
    const [room3] = hospital.gen.counters;
    const { context, page } = await e2e.signedIn('doctor');
    await page.goto(`${e2e.url}/counter`);
    await expect.poll(() => optionTexts(page, 'Choose your counter')).toContain('Room 3');
    const picker = await optionTexts(page, 'Choose your counter');
    expect(picker).toContain('Room 3');
    expect(picker).not.toContain('Room 9');

    // A browser that used the counter before it was deactivated is told so, and opens no console for it.
    await context.addInitScript(`localStorage.setItem('smart-token.counterId', ${JSON.stringify(retired.id)})`);
    await page.reload();
    await page.getByText('deactivated by an admin').waitFor();
    expect(await page.locator('.console-bar').count()).toBe(0);

    const token = await issue(hospital.gen.id, 'Kiran Das', '98765 40001');
    await e2e.api('POST', `/tokens/${token.id}/call`, { counterId: room3!.id });
    await page.getByLabel('Choose your counter').selectOption({ label: 'Room 3' });
    await page.getByLabel('Transfer to').waitFor();
    for (const label of ['Transfer to', 'After this counter']) {
      const targets = await optionTexts(page, label);
      expect(targets.join('|'), label).toContain('Laboratory');
      expect(targets.join('|'), label).not.toContain('Closed Clinic');
    }
    await context.close();
  });

  it('reception and the kiosk offer only active departments', async () => {
    const { context, page } = await e2e.signedIn('receptionist');
    await page.goto(`${e2e.url}/reception`);
    await expect.poll(async () => (await optionTexts(page, 'Department')).join('|')).toContain('General OPD');
    const choices = await optionTexts(page, 'Department');
    expect(choices.join('|')).toContain('General OPD');
    expect(choices.join('|')).not.toContain('Closed Clinic');
    await context.close();

    const kiosk = await e2e.signedIn('kiosk', PORTRAIT);
    await kiosk.page.goto(`${e2e.url}/kiosk`);
    await kiosk.page.getByRole('button', { name: /General OPD/ }).waitFor();
    expect(await kiosk.page.getByRole('button', { name: /Closed Clinic/ }).count()).toBe(0);
    await screenshot(kiosk.page, 'kiosk-active-departments');
    await kiosk.context.close();
  });

  it('reception and the board say the department’s Arabic name in Arabic', async () => {
    const reception = await e2e.signedIn('receptionist');
    await inLanguage(reception.context, 'ar');
    await reception.page.goto(`${e2e.url}/reception`);
    await reception.page.locator('.rcard-title', { hasText: GEN_NAMES.ar }).waitFor();
    const choices = (await reception.page.locator('select option').allTextContents()).join('|');
    expect(choices).toContain(`${GEN_NAMES.ar} (GEN)`);
    expect(choices).not.toContain('General OPD');
    await screenshot(reception.page, 'reception-department-names-ar');
    expect(await seriousViolations(reception.page)).toEqual([]);
    await reception.context.close();

    const board = await e2e.signedIn('display', { width: 1920, height: 1080 });
    await board.page.goto(`${e2e.url}/display/${hospital.gen.id}?lang=ar`);
    await expect.poll(() => board.page.locator('.board-title').textContent()).toBe(GEN_NAMES.ar);
    await screenshot(board.page, 'board-department-name-ar');
    await board.context.close();
  });

  it('the kiosk in Hindi shows the Hindi name on its tile and prints it on the ticket', async () => {
    const { context, page } = await e2e.signedIn('kiosk', PORTRAIT);
    await context.addInitScript('window.prints = 0; window.print = () => { window.prints += 1; };');
    await inLanguage(context, 'hi');
    await page.goto(`${e2e.url}/kiosk`);
    await page.getByRole('button', { name: new RegExp(GEN_NAMES.hi) }).click();
    await page.getByText(GEN_NAMES.hi).first().waitFor();
    const letters = page.getByRole('group', { name: 'स्क्रीन के अक्षर' });
    for (const letter of ['र', 'ा', 'म']) await letters.getByRole('button', { name: letter, exact: true }).click();
    await page.getByRole('textbox', { name: 'मोबाइल नंबर' }).click();
    const keypad = page.getByRole('group', { name: 'नंबर कीपैड' });
    for (const digit of '9876540002') await keypad.getByRole('button', { name: digit, exact: true }).click();
    await page.locator('form.kiosk-form button[type="submit"]').click();
    // On screen (the printed copy is hidden from the accessibility tree), then on the paper.
    const onScreen = page.getByRole('region', { name: /^आपका टोकन GEN-/ }).locator('.ticket-department');
    await expect.poll(() => onScreen.textContent(), { timeout: 10_000 }).toBe(GEN_NAMES.hi);
    await page.waitForFunction('window.prints > 0');
    expect(await page.locator('.ticket-print .ticket-department').textContent()).toBe(GEN_NAMES.hi);
    await screenshot(page, 'kiosk-ticket-department-hi');
    await context.close();
  });

  it('the counter’s journey says a transfer in Hindi with the Hindi name, and who acted by kind, not by label', async () => {
    const [desk] = hospital.lab.counters;
    const token = await issue(hospital.gen.id, 'Sunita Rao', '98765 40003');
    await e2e.api('POST', `/tokens/${token.id}/transfer`, { departmentId: hospital.lab.id });
    await e2e.api('POST', `/tokens/${token.id}/call`, { counterId: desk!.id });
    const history = (await e2e.api<{ history: { action: string; by: string; byKind: string }[] }>('GET', `/tokens/${token.id}`)).history;
    expect(history.map((h) => [h.action, h.byKind])).toEqual([
      ['issue', 'person'],
      ['transfer', 'person'],
      ['call', 'person'],
    ]);

    const { context, page } = await e2e.signedIn('doctor');
    await inLanguage(context, 'hi');
    await context.addInitScript(`localStorage.setItem('smart-token.counterId', ${JSON.stringify(desk!.id)})`);
    await page.goto(`${e2e.url}/counter`);
    await page.locator('.console-where', { hasText: LAB_NAMES.hi }).waitFor();
    const journey = page.locator('ol.journey');
    await expect.poll(async () => (await journey.textContent()) ?? '').toContain(`${LAB_NAMES.hi} में भेजा गया`);
    expect((await journey.textContent()) ?? '').not.toContain('Laboratory');
    await screenshot(page, 'counter-journey-transfer-hi');
    await context.close();
  });

  it('the patient’s status page names the department in the page’s language, and changes with it', async () => {
    const token = await issue(hospital.gen.id, 'Farah Ali', '98765 40004');
    const { context, page } = await e2e.anonymous();
    await inLanguage(context, 'ar');
    await page.goto(`${e2e.url}/s/${token.statusKey}`);
    await expect.poll(() => page.locator('.st-department').textContent()).toBe(GEN_NAMES.ar);
    await screenshot(page, 'status-department-name-ar');
    await page.locator('#st-lang').selectOption('hi');
    await expect.poll(() => page.locator('.st-department').textContent()).toBe(GEN_NAMES.hi);
    await page.locator('#st-lang').selectOption('en');
    await expect.poll(() => page.locator('.st-department').textContent()).toBe('General OPD');
    await context.close();
  });

  it('a board shows the admin’s new ticker within seconds: the change is pushed, not read again every 30 s', async () => {
    const { context, page } = await e2e.signedIn('display', { width: 1920, height: 1080 });
    const boardReads: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('/board')) boardReads.push(request.url());
    });
    await page.goto(`${e2e.url}/display/${hospital.lab.id}`);
    await page.locator('.board-title').waitFor();
    await expect.poll(() => boardReads.length).toBeGreaterThan(0);
    await e2e.api('PUT', `/departments/${hospital.lab.id}/board-settings`, { ticker: 'Blood tests close at 1 pm today.' });
    await expect.poll(() => page.locator('.board-ticker').textContent(), { timeout: PUSHED_WITHIN_MS }).toContain('Blood tests close at 1 pm today.');
    await screenshot(page, 'board-ticker-pushed');
    await context.close();
  });

  it('reception sets up the desk’s ticket paper beside its other desk settings, remembered by this computer', async () => {
    const { page } = await e2e.signedIn('receptionist');
    await page.goto(`${e2e.url}/reception`);
    const desk = page.getByRole('region', { name: 'This desk' });
    const paper = desk.getByRole('group', { name: 'Ticket paper' });
    expect(await paper.getByRole('radio', { name: '80 mm roll' }).isChecked()).toBe(true);
    await paper.getByRole('radio', { name: 'A6 sheet' }).check();
    await page.reload();
    await page.getByRole('region', { name: 'This desk' }).waitFor();
    expect(await page.getByRole('radio', { name: 'A6 sheet' }).isChecked()).toBe(true);
    expect(await page.evaluate<string | null>("localStorage.getItem('smart-token.ticket-paper')")).toBe('a6');
    await screenshot(page, 'reception-desk-paper');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
