import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot, seriousViolations } from './harness.js';

const PORTRAIT = { width: 1080, height: 1920 };
/** The kiosk's countdown after printing (KioskScreen AFTER_PRINT_SECONDS), and some room for a busy machine. */
const RESET_WITHIN_MS = 25_000;

async function countPrints(context: BrowserContext): Promise<void> {
  await context.addInitScript('window.prints = 0; window.print = () => { window.prints += 1; };');
}
const prints = (page: Page) => page.evaluate<number>('window.prints');

describe('the kiosk: touch only, portrait, prints by itself', () => {
  const e2e = new E2E();

  beforeAll(async () => {
    await e2e.start();
    await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  async function kiosk(language?: string): Promise<Page> {
    const { context, page } = await e2e.signedIn('kiosk', PORTRAIT);
    await countPrints(context);
    if (language) await context.addInitScript(`localStorage.setItem('smart-token.language', ${JSON.stringify(language)})`);
    await page.goto(`${e2e.url}/kiosk`);
    await page.locator('main h1').waitFor();
    return page;
  }

  const key = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

  it('checks a patient in by touch alone on a portrait screen, prints the ticket by itself, counts down and starts again', async () => {
    const page = await kiosk();
    const tile = page.getByRole('button', { name: /General OPD/ });
    // Portrait: one column of departments across the screen's width.
    expect((await tile.boundingBox())!.width).toBeGreaterThan(PORTRAIT.width * 0.8);
    await tile.click();

    const name = page.getByRole('textbox', { name: 'Your name' });
    for (const letter of ['A', 'S', 'H', 'A']) await key(page, letter).click();
    await key(page, 'Space').click();
    for (const letter of ['R', 'A', 'O']) await key(page, letter).click();
    expect(await name.inputValue()).toBe('Asha Rao');
    await key(page, 'Delete last letter').click();
    await key(page, 'O').click();
    expect(await name.inputValue()).toBe('Asha Rao');
    await screenshot(page, 'kiosk-name-keyboard');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('textbox', { name: 'Mobile phone number' }).click();
    const keypad = page.getByRole('group', { name: 'Number keypad' });
    for (const digit of '9876543210') await keypad.getByRole('button', { name: digit, exact: true }).click();
    await page.getByRole('button', { name: 'Get my token' }).click();

    await page.getByRole('heading', { name: 'You are checked in' }).waitFor();
    await page.waitForFunction('window.prints > 0');
    expect(await prints(page)).toBe(1);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Your ticket is printing' }).count()).toBe(1);
    const countdown = page.getByText(/This screen starts again in \d+ seconds/);
    const seconds = Number(/(\d+) seconds/.exec((await countdown.textContent()) ?? '')?.[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(15);
    await screenshot(page, 'kiosk-printed-countdown');
    expect(await seriousViolations(page)).toEqual([]);

    // The countdown ends: the next patient gets a clean screen, and nothing prints twice.
    await page.getByRole('heading', { name: 'Welcome. Where are you going?' }).waitFor({ timeout: RESET_WITHIN_MS });
    expect(await prints(page)).toBe(1);
  });

  it('offers Devanagari letters in Hindi (and Latin ones), Arabic letters right to left in Arabic', async () => {
    const hindi = await kiosk('hi');
    await hindi.getByRole('button', { name: /General OPD/ }).click();
    const letters = hindi.getByRole('group', { name: 'स्क्रीन के अक्षर' });
    for (const letter of ['र', 'ा', 'म']) await letters.getByRole('button', { name: letter, exact: true }).click();
    expect(await hindi.getByRole('textbox', { name: 'आपका नाम' }).inputValue()).toBe('राम');
    await screenshot(hindi, 'kiosk-keyboard-hi');
    await letters.getByRole('button', { name: 'अंग्रेज़ी अक्षर' }).click();
    await letters.getByRole('button', { name: 'स्पेस' }).click();
    for (const letter of ['K', 'U']) await letters.getByRole('button', { name: letter, exact: true }).click();
    expect(await hindi.getByRole('textbox', { name: 'आपका नाम' }).inputValue()).toBe('राम Ku');

    const arabic = await kiosk('ar');
    await arabic.getByRole('button', { name: /General OPD/ }).click();
    const arabicLetters = arabic.getByRole('group', { name: 'حروف على الشاشة' });
    expect(await arabicLetters.getAttribute('dir')).toBe('rtl');
    for (const letter of ['ع', 'ل', 'ي']) await arabicLetters.getByRole('button', { name: letter, exact: true }).click();
    expect(await arabic.getByRole('textbox', { name: 'اسمك' }).inputValue()).toBe('علي');
    await screenshot(arabic, 'kiosk-keyboard-ar');
    expect(await seriousViolations(arabic)).toEqual([]);
  });

  it('says what to fix in sentences: an empty name, a short number, a number the server cannot use', async () => {
    const page = await kiosk();
    await page.getByRole('button', { name: /General OPD/ }).click();
    await page.getByRole('button', { name: 'Get my token' }).click();
    await page.getByText('Please enter your name.').waitFor();
    for (const letter of ['J', 'O']) await key(page, letter).click();
    await page.getByRole('textbox', { name: 'Mobile phone number' }).click();
    for (const digit of '123') await page.getByRole('group', { name: 'Number keypad' }).getByRole('button', { name: digit, exact: true }).click();
    await page.getByRole('button', { name: 'Get my token' }).click();
    await page.getByText('Please enter your mobile number (at least 7 digits).').waitFor();
    for (const digit of '0000') await page.getByRole('group', { name: 'Number keypad' }).getByRole('button', { name: digit, exact: true }).click();
    await page.getByRole('button', { name: 'Get my token' }).click();
    // The shared sentences (features/errors): the field by its label, what to do, and the clinic's example number.
    await page.getByText(/“Mobile phone number” is not a phone number we can use: type the whole number with its area code, for example \d/).waitFor();
    const shown = (await page.locator('main').textContent()) ?? '';
    expect(shown).not.toMatch(/body\.|Too small|expected string|must be/);
    expect(await prints(page)).toBe(0);
  });
});
