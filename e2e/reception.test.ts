import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, issueByKeyboard, screenshot, seriousViolations, type Hospital } from './harness.js';

interface FoundToken {
  id: string;
  number: string;
  status: string;
  departmentId: string;
  patient: { name: string };
}

/** Counts window.print() calls instead of opening the print dialog (headless has none to close). */
async function countPrints(context: BrowserContext): Promise<void> {
  await context.addInitScript('window.prints = 0; window.print = () => { window.prints += 1; };');
}

const prints = (page: Page) => page.evaluate<number>('window.prints');
const focusedLabel = (page: Page) => page.evaluate<string>(`document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? ''`);
const evaluate = (page: Page, expression: string) => page.evaluate<string | undefined>(expression);

describe('reception: the right department, mending tokens, no second token by accident, sentences for people', () => {
  const e2e = new E2E();
  let hospital: Hospital;
  let billing: { id: string };

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
    // First in alphabetical order: the department reception used to start on.
    billing = await e2e.api<{ id: string }>('POST', '/departments', { code: 'BIL', name: 'Billing' });
  }, 120_000);
  afterAll(() => e2e.stop());

  async function reception(): Promise<{ context: BrowserContext; page: Page }> {
    const signed = await e2e.signedIn('receptionist');
    await countPrints(signed.context);
    await signed.page.goto(`${e2e.url}/reception`);
    await signed.page.getByLabel('Phone number').waitFor();
    return signed;
  }

  const search = (query: string) => e2e.api<{ tokens: FoundToken[] }>('POST', '/tokens/search', { query });

  it('with no entry desk and nothing remembered, Enter asks for the department and issues nothing; the desk then remembers its choice', async () => {
    const { page } = await reception();
    const department = page.getByLabel('Department', { exact: true });
    expect(await department.inputValue()).toBe('');
    await issueByKeyboard(page, '98765 00001', 'Nobody Guessed');
    await page.getByText('Choose the patient’s department first').waitFor();
    expect(await evaluate(page, 'document.activeElement?.tagName')).toBe('SELECT');
    await screenshot(page, 'reception-department-asked');
    expect((await search('Nobody Guessed')).tokens).toEqual([]);

    // The focus is on the department: a choice and Enter issue, as in the name field.
    await department.selectOption({ label: 'Laboratory (LAB)' });
    await department.press('Enter');
    await page.locator('.issued .ticket').filter({ hasText: 'LAB-001' }).waitFor();
    expect((await search('Nobody Guessed')).tokens.map((x) => x.number)).toEqual(['LAB-001']);

    await page.reload();
    await page.getByLabel('Phone number').waitFor();
    expect(await page.getByLabel('Department', { exact: true }).inputValue()).toBe(hospital.lab.id);
  });

  it('a phone lookup that answers after the receptionist typed on neither takes her focus nor replaces the name she typed', async () => {
    const known = await e2e.api<{ id: string }>('POST', '/tokens', { departmentId: hospital.lab.id, patient: { name: 'Lakshmi Menon', phone: '98222 33344' } });
    await e2e.api('POST', `/tokens/${known.id}/cancel`, { reason: 'test' });
    const { page } = await reception();
    let answer: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (answer = resolve));
    let answered = false;
    await page.route('**/api/v1/patients/search', async (route) => {
      await held;
      await route.continue();
      answered = true;
    });
    await page.getByLabel('Phone number').fill('98222 33344');
    await page.getByLabel('Phone number').press('Enter');
    await page.getByLabel('Patient name').fill('Lakshmi M. Menon');
    answer();
    await expect.poll(() => answered).toBe(true);
    await page.waitForTimeout(300);
    expect(await page.getByLabel('Patient name').inputValue()).toBe('Lakshmi M. Menon');
    expect(await evaluate(page, 'document.activeElement?.id')).toBe(await page.getByLabel('Patient name').getAttribute('id'));
  });

  it('reception starts on the department the admin marked as the entry desk, not the first alphabetically', async () => {
    await e2e.api('PATCH', `/departments/${hospital.gen.id}`, { isEntry: true });
    const { page } = await reception();
    expect(await page.getByLabel('Department', { exact: true }).inputValue()).toBe(hospital.gen.id);
    await issueByKeyboard(page, '98765 43210', 'Asha Rao');
    await page.locator('.issued .ticket').filter({ hasText: 'GEN-001' }).waitFor();
    await screenshot(page, 'reception-entry-desk');
    const asha = (await search('Asha Rao')).tokens;
    expect(asha.map((x) => [x.number, x.departmentId])).toEqual([['GEN-001', hospital.gen.id]]);
    expect(asha.some((x) => x.departmentId === billing.id)).toBe(false);
  });

  it('a patient still waiting is offered their token (reprint) first; a second token needs a deliberate choice', async () => {
    const { page } = await reception();
    await page.getByLabel('Phone number').fill('98765 43210');
    await page.getByLabel('Phone number').press('Enter');
    await page.getByText('Already waiting as GEN-001 in General OPD').waitFor();
    expect(await focusedLabel(page)).toContain('Reprint ticket GEN-001');
    await screenshot(page, 'reception-already-waiting');

    // Enter in the name field does not issue a second token while the offer stands.
    await page.getByLabel('Patient name').press('Enter');
    await page.waitForTimeout(500);
    expect((await search('98765 43210')).tokens.map((x) => x.number)).toEqual(['GEN-001']);
    expect(await focusedLabel(page)).toContain('Reprint ticket GEN-001');

    // Enter on the offer reprints that ticket (and prints it).
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Ticket reprinted' }).waitFor();
    await page.locator('.issued .ticket').filter({ hasText: 'GEN-001' }).waitFor();
    await expect.poll(() => prints(page)).toBe(1);
    await screenshot(page, 'reception-reprinted');

    // The deliberate choice: a second token.
    await page.getByLabel('Phone number').fill('98765 43210');
    await page.getByLabel('Phone number').press('Enter');
    await page.getByRole('button', { name: 'Issue a second token anyway' }).click();
    await page.getByRole('heading', { name: 'Token issued' }).waitFor();
    await page.locator('.issued .ticket').filter({ hasText: 'GEN-002' }).waitFor();
    const history = await e2e.api<{ history: { action: string }[] }>('GET', `/tokens/${(await search('GEN-001')).tokens[0]!.id}`);
    expect(history.history.map((h) => h.action)).toEqual(['issue', 'reprint']);
  });

  /**
   * Opens a search result's actions menu and waits for its items. Two CI runs saw the menu close
   * straight after opening: the results it belonged to vanished while the next query loaded (fixed,
   * and tested below). Should a menu still close on its own, a person clicks again, and so does this.
   */
  async function openActions(page: Page, number: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await page.getByRole('button', { name: `Actions for token ${number}` }).click();
      try {
        // Its items shown, not only the menu: a menu that closed again straight after opening counts as not opened.
        await page.getByRole('menuitem').first().waitFor({ timeout: 5_000 });
        return;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  it('reception finds any of today’s tokens as it types, and reprints, moves and cancels it; another desk sees each change live', async () => {
    const issued = await e2e.api<{ id: string; number: string; statusKey: string }>('POST', '/tokens', {
      departmentId: hospital.gen.id,
      patient: { name: 'Meena Iyer', phone: '98111 22233' },
    });
    const { page } = await reception();
    const { page: other } = await reception();
    const otherGen = other.locator('.rcard').filter({ hasText: 'General OPD' });
    const otherLab = other.locator('.rcard').filter({ hasText: 'Laboratory' });
    await otherGen.filter({ hasText: 'Meena Iyer' }).waitFor();

    const find = page.getByLabel('Number, phone or name');
    const result = page.locator('.search-result').filter({ hasText: issued.number });
    // By name (as typed, no Enter), by number, by phone.
    for (const query of ['meena', issued.number, '98111 22233']) {
      await find.fill(query);
      await result.waitFor();
      await expect.poll(() => page.locator('.search-result').count()).toBe(1);
    }
    // Typing on: the results on screen stay until the new ones come (they used to vanish for the
    // pause and the request, closing a menu opened on them: a CI run waited 30 s for 'Reprint ticket').
    await page.evaluate(`window.resultsRemoved = 0;
      new MutationObserver((records) => {
        for (const record of records)
          for (const node of record.removedNodes)
            if (node instanceof Element && (node.matches('.search-result') || node.querySelector('.search-result'))) window.resultsRemoved++;
      }).observe(document.body, { childList: true, subtree: true });`);
    const searched = page.waitForResponse((r) => r.url().endsWith('/api/v1/tokens/search') && (r.request().postDataJSON() as { query: string }).query === 'Meena');
    await find.fill('Meena');
    await openActions(page, issued.number);
    await searched;
    await result.waitFor();
    expect(await page.evaluate<number>('window.resultsRemoved'), 'results removed while typing').toBe(0);
    await screenshot(page, 'reception-search');

    // Reprint: a new link; the old one stops working.
    await page.getByRole('menuitem', { name: 'Reprint ticket' }).waitFor();
    expect(await seriousViolations(page), 'menu open').toEqual([]);
    // axe scrolls the page to judge contrast, and React Aria closes a popover on scroll, as it would
    // for a person scrolling (seen with Chromium 156): open again if it closed.
    if ((await page.getByRole('menu').count()) === 0) await openActions(page, issued.number);
    await screenshot(page, 'reception-actions-menu');
    await page.getByRole('menuitem', { name: 'Reprint ticket' }).click();
    await page.getByRole('heading', { name: 'Ticket reprinted' }).waitFor();
    await expect.poll(() => prints(page)).toBe(1);
    const old = await fetch(`${e2e.url}/api/v1/public/status/${issued.statusKey}`);
    expect(old.status).toBe(404);

    // Move to the laboratory: the same number waits there, on this desk and the other.
    await openActions(page, issued.number);
    await page.getByRole('menuitem', { name: 'Move to another department…' }).click();
    const move = page.getByRole('dialog');
    await move.getByText('Meena Iyer waits in General OPD now.').waitFor();
    // A combobox (React Aria): typing narrows the departments, a click or Enter chooses one.
    await move.getByRole('combobox', { name: 'Move to' }).fill('Lab');
    await page.getByRole('listbox').getByRole('option', { name: 'Laboratory (LAB)' }).click();
    expect(await move.getByRole('combobox', { name: 'Move to' }).inputValue()).toBe('Laboratory (LAB)');
    expect(await seriousViolations(page), 'move dialog').toEqual([]);
    await screenshot(page, 'reception-move-dialog');
    await move.getByRole('button', { name: 'Move token' }).click();
    await move.waitFor({ state: 'detached' });
    // Said in a toast (React Aria's toast region), which axe finds clean too.
    await page.getByRole('alertdialog').filter({ hasText: `Token ${issued.number} now waits in Laboratory.` }).waitFor();
    expect(await seriousViolations(page), 'toast').toEqual([]);
    await screenshot(page, 'reception-move-toast');
    await result.filter({ hasText: 'Laboratory' }).waitFor();
    await otherLab.filter({ hasText: 'Meena Iyer' }).waitFor();
    await expect.poll(() => otherGen.filter({ hasText: 'Meena Iyer' }).count()).toBe(0);

    // Cancel with a reason: kept in the history, gone from every desk's line.
    await openActions(page, issued.number);
    await page.getByRole('menuitem', { name: 'Cancel token…' }).click();
    const cancel = page.getByRole('dialog');
    await cancel.getByLabel('Reason').fill('Came for a blood test only');
    await screenshot(page, 'reception-cancel-dialog');
    await cancel.getByRole('button', { name: 'Cancel token' }).click();
    await cancel.waitFor({ state: 'detached' });
    await page.getByRole('alertdialog').filter({ hasText: `Token ${issued.number} was cancelled.` }).waitFor();
    await result.filter({ hasText: 'Cancelled' }).waitFor();
    await expect.poll(() => otherLab.filter({ hasText: 'Meena Iyer' }).count()).toBe(0);
    const after = await e2e.api<{ status: string; history: { action: string; reason?: string }[] }>('GET', `/tokens/${issued.id}`);
    expect(after.status).toBe('cancelled');
    expect(after.history.map((h) => h.action)).toEqual(['issue', 'reprint', 'transfer', 'cancel']);
    expect(after.history.at(-1)?.reason).toBe('Came for a blood test only');

    // A finished token offers nothing to do but says why (the menu items are disabled).
    await page.getByRole('button', { name: `Actions for token ${issued.number}` }).waitFor();
    expect(await page.getByRole('button', { name: `Actions for token ${issued.number}` }).isDisabled()).toBe(true);
    expect(await seriousViolations(page), 'reception with search results').toEqual([]);
    await screenshot(page, 'reception-after-cancel');
  });

  it('a refused phone number is a sentence naming the field with an example of a valid number, in the reader’s language; never the server’s machine text', async () => {
    const { page } = await reception();
    await issueByKeyboard(page, '12345', 'Ravi Kumar');
    const note = page.locator('.field').filter({ hasText: 'Phone number' }).locator('.field-error');
    await note.filter({ hasText: '081234 56789' }).waitFor();
    expect(await note.textContent()).toBe('“Phone number” is not a phone number we can use: type the whole number with its area code, for example 081234 56789.');
    const text = (await page.locator('main').textContent()) ?? '';
    for (const machine of ['body.', 'Too small', 'not a valid phone number', 'must be', 'patient.phone']) expect(text, machine).not.toContain(machine);
    await screenshot(page, 'reception-phone-refused');

    await page.getByLabel('Language').first().selectOption('ar');
    await expect.poll(() => evaluate(page, 'document.documentElement.dir')).toBe('rtl');
    await page.getByLabel('اسم المريض').press('Enter');
    const arabic = page.locator('.field').filter({ hasText: 'رقم الهاتف' }).locator('.field-error');
    await arabic.filter({ hasText: 'ليس رقم هاتف صالحًا' }).waitFor();
    expect(await arabic.textContent()).toContain('081234 56789');
    await screenshot(page, 'reception-phone-refused-arabic');
  });

  it('the login screen names an empty field and a wrong password in sentences, not the server’s validation text', async () => {
    const { page } = await e2e.anonymous({ width: 1366, height: 900 });
    await page.goto(`${e2e.url}/login`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('“Email” is empty: fill it in.').waitFor();
    expect(await evaluate(page, `document.activeElement?.getAttribute('type')`)).toBe('email');
    await page.getByLabel(/email/i).fill('receptionist@e2e.test');
    await page.getByLabel(/password/i).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The email or password is not right. Check both and try again.').waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toContain('Too small');
    expect(text).not.toContain('body.');
    await screenshot(page, 'login-wrong-password');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
