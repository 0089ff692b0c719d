import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, issueByKeyboard, screenshot } from './harness.js';
import { pdfPages } from './ticket-pdf.js';

/** A6 is 105 × 148 mm; a thermal roll is 80 mm wide. */
const A6 = { widthMm: 105, heightMm: 148 };
const ROLL_MM = 80;
/** A 1×1 PNG. */
const LOGO_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** Counts window.print() calls instead of opening a print dialog (a kiosk's Chromium prints silently with --kiosk-printing). */
async function countPrints(context: BrowserContext): Promise<void> {
  await context.addInitScript('window.prints = 0; window.print = () => { window.prints += 1; };');
}

const prints = (page: Page) => page.evaluate<number>('window.prints');

describe('the printed ticket', () => {
  const e2e = new E2E();
  let generalOpd = '';

  beforeAll(async () => {
    await e2e.start();
    generalOpd = (await e2e.hospital()).gen.id;
    // The clinic's name on the ticket comes from the branding the admin sets.
    await e2e.api('PUT', '/settings/branding', { clinicName: 'Sunrise Clinic', logoDataUrl: null });
  }, 120_000);
  afterAll(() => e2e.stop());

  async function checkInAtKiosk(address: string): Promise<Page> {
    const { context, page } = await e2e.signedIn('kiosk', { width: 1080, height: 1920 });
    await countPrints(context);
    await page.goto(`${e2e.url}${address}`);
    await page.getByRole('button', { name: /General OPD/ }).click();
    for (const key of ['A', 'S', 'H', 'A']) await page.getByRole('button', { name: key, exact: true }).click();
    await page.getByRole('button', { name: 'Space' }).click();
    for (const key of ['R', 'A', 'O']) await page.getByRole('button', { name: key, exact: true }).click();
    await page.getByLabel('Mobile phone number').click();
    for (const digit of '9876543210') await page.getByRole('group', { name: 'Number keypad' }).getByRole('button', { name: digit, exact: true }).click();
    await page.getByRole('button', { name: 'Get my token' }).click();
    await page.getByRole('heading', { name: 'You are checked in' }).waitFor();
    await page.waitForFunction('window.prints > 0');
    return page;
  }

  it('on an 80 mm roll is one page 80 mm wide, with the clinic and the address to type for those who cannot scan', async () => {
    const page = await checkInAtKiosk('/kiosk');
    expect(await prints(page)).toBe(1);
    const ticket = page.locator('.ticket-print .ticket');
    await expect.poll(() => ticket.textContent()).toMatch(/GEN-001/);
    const text = (await ticket.textContent()) ?? '';
    // PUBLIC_URL is http://clinic.test in the tests: the address phones are given, typed without http://.
    expect(text).toContain("or enter your number and the last 4 digits of your phone at clinic.test/status");
    expect(text).toContain('Sunrise Clinic');

    await page.emulateMedia({ media: 'print' });
    await screenshot(page, 'ticket-thermal-as-printed');
    const pdf = await page.pdf({ preferCSSPageSize: true });
    const pages = pdfPages(pdf);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.widthMm).toBeCloseTo(ROLL_MM, 0);
    // As long as the ticket, not a sheet of paper: no metre of blank roll after it.
    expect(pages[0]!.heightMm).toBeGreaterThan(60);
    expect(pages[0]!.heightMm).toBeLessThan(200);
    await screenshot(page, 'kiosk-ticket-printed');
  });

  it('on A6 (the kiosk set up with ?paper=a6, remembered by its browser) is one A6 page, with the clinic\'s logo loaded before it prints', async () => {
    // A small PNG logo: the kiosk waits for it before printing, so the paper never has an empty frame.
    await e2e.api('PUT', '/settings/branding', { clinicName: 'Sunrise Clinic', logoDataUrl: `data:image/png;base64,${LOGO_PNG}` });
    const page = await checkInAtKiosk('/kiosk?paper=a6');
    expect(await page.evaluate<number>(`document.querySelector('.ticket-print .ticket-logo')?.naturalWidth ?? 0`)).toBeGreaterThan(0);
    await page.emulateMedia({ media: 'print' });
    await screenshot(page, 'ticket-a6-as-printed');
    // Back to the page's own media: page.pdf() prints with print CSS unless screen is emulated.
    await page.emulateMedia({ media: null });
    const pages = pdfPages(await page.pdf({ preferCSSPageSize: true }));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.widthMm).toBeCloseTo(A6.widthMm, 0);
    expect(pages[0]!.heightMm).toBeCloseTo(A6.heightMm, 0);
    // Remembered: the next check-in on this machine prints A6 without the address saying so.
    await page.getByRole('button', { name: 'Finish' }).click();
    await page.goto(`${e2e.url}/kiosk`);
    expect(await page.evaluate<string | null>(`localStorage.getItem('smart-token.ticket-paper')`)).toBe('a6');
  });

  it('from reception (where two Letter pages came out, the second blank) is one page 80 mm wide, or A6 on a desk set up for it', async () => {
    await e2e.api('PATCH', `/departments/${generalOpd}`, { isEntry: true });
    const { context, page } = await e2e.signedIn('receptionist');
    await countPrints(context);
    await page.goto(`${e2e.url}/reception`);
    await issueByKeyboard(page, '98765 22222', 'Kiran Das');
    await page.locator('.issued .ticket-qr svg').waitFor();
    await page.getByRole('button', { name: 'Print ticket' }).click();
    await page.waitForFunction('window.prints > 0');
    await page.emulateMedia({ media: 'print' });
    await screenshot(page, 'ticket-reception-as-printed');
    const pages = pdfPages(await page.pdf({ preferCSSPageSize: true }));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.widthMm).toBeCloseTo(ROLL_MM, 0);
    await page.emulateMedia({ media: null });

    // A desk whose printer takes A6: its bookmark says so; this machine's browser remembers it after.
    const printA6 = async (address: string, phone: string, name: string) => {
      await page.goto(`${e2e.url}${address}`);
      await issueByKeyboard(page, phone, name);
      await page.locator('.issued .ticket-qr svg').waitFor();
      await page.getByRole('button', { name: 'Print ticket' }).click();
      const sheets = pdfPages(await page.pdf({ preferCSSPageSize: true }));
      expect(sheets, address).toHaveLength(1);
      expect(sheets[0]!.widthMm, address).toBeCloseTo(A6.widthMm, 0);
      expect(sheets[0]!.heightMm, address).toBeCloseTo(A6.heightMm, 0);
    };
    await printA6('/reception?paper=a6', '98765 33333', 'Leela Nair');
    await printA6('/reception', '98765 44444', 'Omar Farouk');
  });
});
