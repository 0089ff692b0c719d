import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot, seriousViolations } from './harness.js';

interface Issued {
  id: string;
  number: string;
}
interface BoardView {
  nowServing: { number: string; counterName: string }[];
}

/** Long enough for a key press to have reached the server, had it sent anything. */
const NOTHING_HAPPENS_MS = 1200;

const apiPosts = (requests: Request[]) => requests.filter((r) => r.method() === 'POST' && new URL(r.url()).pathname.startsWith('/api/')).map((r) => new URL(r.url()).pathname);

describe('the counter console: one patient per room, undo from the server, recently served', () => {
  const e2e = new E2E();

  beforeAll(async () => {
    await e2e.start();
    await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  let phoneSeq = 10_000;
  /** A department of the test's own, so no test sees another's patients. */
  async function department(code: string, counters: string[]) {
    const made = await e2e.api<{ id: string }>('POST', '/departments', { code, name: `${code} Clinic` });
    const list = [];
    for (const name of counters) list.push(await e2e.api<{ id: string; name: string }>('POST', '/counters', { departmentId: made.id, name }));
    return { id: made.id, counters: list };
  }
  const issue = (departmentId: string, name: string) => e2e.api<Issued>('POST', '/tokens', { departmentId, patient: { name, phone: `98765 ${String((phoneSeq += 1))}` } });
  const statusOf = async (token: Issued) => (await e2e.api<{ status: string; counterId?: string }>('GET', `/tokens/${token.id}`)).status;

  async function openConsole(counter: string, language?: 'ar'): Promise<Page> {
    const { page } = await e2e.signedIn('doctor');
    if (language) await page.evaluate(`localStorage.setItem('smart-token.language', '${language}')`);
    await page.goto(`${e2e.url}/counter`);
    await page.locator('.counter-picker select').selectOption({ label: counter });
    await page.locator('.live-badge .badge-ok').waitFor();
    return page;
  }
  const current = (page: Page) => page.locator('.current-number');

  it('while a patient is at the counter the main button completes and calls next, and plain call-next asks first (defect 10)', async () => {
    const dept = await department('ONE', ['Room 1', 'Room 2']);
    const [a, b, c] = [await issue(dept.id, 'Asha Rao'), await issue(dept.id, 'Ravi Kumar'), await issue(dept.id, 'Meena Iyer')];
    const page = await openConsole('Room 1');
    // The next patient is named before anyone is called.
    await page.locator('.next-up').filter({ hasText: a.number }).filter({ hasText: 'Asha Rao' }).waitFor();
    await page.getByRole('button', { name: 'Call next', exact: true }).click();
    await current(page).filter({ hasText: a.number }).waitFor();
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('.current-badges').getByText('Being served', { exact: true }).waitFor();

    // The main action is now "Complete and call next"; "Call next" is no longer a one-click second call.
    await expect.poll(() => page.locator('.console-bar .btn-primary').first().textContent()).toContain('Complete and call next');
    const posts: Request[] = [];
    page.on('request', (r) => posts.push(r));
    await page.keyboard.press('n');
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: `Before the next call: what about ${a.number}?` }).waitFor();
    await screenshot(page, 'counter-call-next-asks');
    expect(await seriousViolations(page)).toEqual([]);
    // The focus is on completing, the usual answer; Escape closes without a request.
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toContain(`Complete ${a.number}, then call next`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.waitForTimeout(NOTHING_HAPPENS_MS);
    expect(apiPosts(posts)).toEqual([]);
    expect(await statusOf(b)).toBe('waiting');

    // Parking the current patient, then calling: one patient in the room.
    await page.getByRole('button', { name: 'Call next…' }).click();
    await dialog.getByRole('button', { name: `Park ${a.number}, then call next` }).click();
    await current(page).filter({ hasText: b.number }).waitFor();
    expect(await statusOf(a)).toBe('parked');
    expect(await page.locator('.also-here').count()).toBe(0);

    // "Keep both" is possible, but the board still shows one tile for the room: the latest call.
    await page.getByRole('button', { name: 'Call next…' }).click();
    await dialog.getByRole('button', { name: `Keep ${b.number} here too, and call next` }).click();
    await current(page).filter({ hasText: c.number }).waitFor();
    expect(await statusOf(b)).toBe('called');
    const board = await e2e.api<BoardView>('GET', `/departments/${dept.id}/board`);
    expect(board.nowServing.filter((s) => s.counterName === 'Room 1').map((s) => s.number)).toEqual([c.number]);
  });

  it('undo is read from the server, so U still works after a reload (defect 11)', async () => {
    const dept = await department('UND', ['Undo Room']);
    const a = await issue(dept.id, 'Kiran Das');
    const page = await openConsole('Undo Room');
    await page.getByRole('button', { name: 'Call next', exact: true }).click();
    await current(page).filter({ hasText: a.number }).waitFor();
    await page.getByRole('button', { name: 'Complete and call next' }).click();
    // "Nobody is waiting." is already on the page (the line emptied when A was called), so
    // what shows the answer has come is A leaving the room's panel.
    await current(page).filter({ hasText: a.number }).waitFor({ state: 'detached' });
    expect(await statusOf(a)).toBe('completed');

    // A reload forgets everything the page held; the counter's history is on the server.
    await page.reload();
    await page.locator('.live-badge .badge-ok').waitFor();
    await page.getByRole('button', { name: `Undo last change to ${a.number}` }).waitFor();
    await page.keyboard.press('u');
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText('Completed at', { exact: false }).waitFor();
    await screenshot(page, 'counter-undo-after-reload');
    await dialog.getByRole('button', { name: 'Undo it' }).click();
    await current(page).filter({ hasText: a.number }).waitFor();
    expect(await statusOf(a)).toBe('called');
  });

  it('lists recently served patients with a way to call them back, and greyed buttons say why they are off', async () => {
    const dept = await department('REC', ['Recall Room']);
    const [a, b] = [await issue(dept.id, 'Leela Nair'), await issue(dept.id, 'Farid Khan')];
    const page = await openConsole('Recall Room');
    await page.getByRole('button', { name: 'Call next', exact: true }).click();
    await current(page).filter({ hasText: a.number }).waitFor();
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('.current-badges').getByText('Being served', { exact: true }).waitFor();

    // Start is off while serving: it looks off and says why.
    const start = page.getByRole('button', { name: 'Start' });
    expect(await start.isDisabled()).toBe(true);
    // While the start is still being answered the title says to wait; then it says why.
    await expect.poll(() => start.getAttribute('title')).toBe(`Not possible while ${a.number} is Being served.`);
    // Runs in the page: its window computes the style (the test's own types have no DOM).
    const look = await start.evaluate((el) => {
      const style = (el as unknown as { ownerDocument: { defaultView: { getComputedStyle(e: unknown): { borderStyle: string; opacity: string; cursor: string } } } }).ownerDocument.defaultView.getComputedStyle(el);
      return { border: style.borderStyle, opacity: style.opacity, cursor: style.cursor };
    });
    expect(look).toEqual({ border: 'dashed', opacity: '1', cursor: 'not-allowed' });

    await page.getByRole('button', { name: 'Complete and call next' }).click();
    await current(page).filter({ hasText: b.number }).waitFor();
    const recent = page.locator('.recent-item').filter({ hasText: a.number });
    await recent.filter({ hasText: 'Completed' }).waitFor();
    await screenshot(page, 'counter-recently-served');

    // Called back: the completion is undone, the patient is at the counter again and leaves the list.
    await page.getByRole('button', { name: `Call ${a.number} back to Recall Room` }).click();
    await expect.poll(() => statusOf(a)).toBe('serving');
    await recent.waitFor({ state: 'detached' });
    await current(page).filter({ hasText: a.number }).waitFor();
    expect(await page.locator('.also-here').textContent()).toContain(b.number);
  });

  it('reads right to left in Arabic, the call-next question included', async () => {
    const dept = await department('ARB', ['غرفة 1']);
    await issue(dept.id, 'Sara Ali');
    await issue(dept.id, 'Omar Aziz');
    const page = await openConsole('غرفة 1', 'ar');
    expect(await page.evaluate<string>('document.documentElement.dir')).toBe('rtl');
    await page.getByRole('button', { name: 'نادِ التالي', exact: true }).click();
    await page.locator('.current-number').waitFor();
    await page.getByRole('button', { name: 'نادِ التالي…' }).click();
    await page.getByRole('dialog').waitFor();
    await screenshot(page, 'counter-call-next-asks-ar');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
