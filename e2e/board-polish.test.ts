import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot, seriousViolations, type Hospital } from './harness.js';

interface Issued {
  id: string;
  number: string;
}

const FADE_MINUTES = 10;

describe('the waiting-room board: one tile per counter, fading, figures, ticker, several departments, sound that stays', () => {
  const e2e = new E2E();
  let hospital: Hospital;
  let phoneSeq = 20_000;

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  const issue = (departmentId: string, name: string) => e2e.api<Issued>('POST', '/tokens', { departmentId, patient: { name, phone: `98765 ${String((phoneSeq += 1))}` } });
  const callNext = (counterId: string) => e2e.api<{ token: Issued | null }>('POST', `/counters/${counterId}/call-next`);

  async function department(code: string, counters: string[]) {
    const made = await e2e.api<{ id: string }>('POST', '/departments', { code, name: `${code} Clinic` });
    const list = [];
    for (const name of counters) list.push(await e2e.api<{ id: string; name: string }>('POST', '/counters', { departmentId: made.id, name }));
    return { id: made.id, counters: list };
  }

  async function openBoard(path: string): Promise<Page> {
    const { page } = await e2e.signedIn('display', { width: 1920, height: 1080 });
    await page.goto(`${e2e.url}/display/${path}`);
    await page.locator('.board-badge-ok').waitFor();
    return page;
  }
  const tileNumbers = (page: Page) => page.locator('.tile .tile-number').allTextContents();

  it('replaces a counter’s tile when that counter calls again, so one room never shows two patients (defect 10)', async () => {
    const dept = await department('TIL', ['Room 7', 'Room 8']);
    const [a, b, c] = [await issue(dept.id, 'Asha Rao'), await issue(dept.id, 'Ravi Kumar'), await issue(dept.id, 'Meena Iyer')];
    const page = await openBoard(dept.id);
    await callNext(dept.counters[0]!.id);
    await callNext(dept.counters[1]!.id);
    await expect.poll(() => tileNumbers(page), { timeout: 5000 }).toEqual([b.number, a.number]);
    // Room 7 calls again while a is still `called`: its tile now shows c, and only c.
    await callNext(dept.counters[0]!.id);
    await expect.poll(() => tileNumbers(page)).toEqual([c.number, b.number]);
    // The reload that follows events (and the server's own board) agree.
    await page.waitForTimeout(2500);
    expect(await tileNumbers(page)).toEqual([c.number, b.number]);
    expect(await page.locator('.tile').filter({ hasText: 'Room 7' }).count()).toBe(1);
    await screenshot(page, 'board-one-tile-per-counter');
  });

  it('keeps a call made while a reload was on its way: the older answer does not take it off the board', async () => {
    const dept = await department('RLD', ['Room 1', 'Room 2']);
    const [a, b] = [await issue(dept.id, 'Farah Khan'), await issue(dept.id, 'Joseph Mathew')];
    const page = await openBoard(dept.id);
    // The reload that follows a's call is read at once, but its answer is held until b has been called.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let read = false;
    let delivered = false;
    await page.route(
      `**/api/v1/departments/${dept.id}/board?**`,
      async (route) => {
        const response = await route.fetch();
        read = true;
        await held;
        await route.fulfill({ response });
        delivered = true;
      },
      { times: 1 },
    );
    await callNext(dept.counters[0]!.id);
    await expect.poll(() => read, { timeout: 10_000 }).toBe(true);
    await callNext(dept.counters[1]!.id);
    await expect.poll(() => tileNumbers(page), { timeout: 10_000 }).toEqual([b.number, a.number]);
    release();
    await expect.poll(() => delivered).toBe(true);
    // Well before the reload b's call asks for (1.5 s after it): what is on screen is the held answer plus b.
    await page.waitForTimeout(300);
    expect(await tileNumbers(page)).toEqual([b.number, a.number]);
  });

  it('fades a tile nobody has changed for the department’s fade time', async () => {
    const dept = await department('FAD', ['Desk 1']);
    await e2e.api('PUT', `/departments/${dept.id}/board-settings`, { tileFadeMinutes: FADE_MINUTES });
    const a = await issue(dept.id, 'Kiran Das');
    await callNext(dept.counters[0]!.id);
    const { page } = await e2e.signedIn('display', { width: 1920, height: 1080 });
    await page.clock.install();
    await page.goto(`${e2e.url}/display/${dept.id}`);
    const tile = page.locator('.tile').filter({ hasText: a.number });
    await tile.waitFor();
    expect(await tile.getAttribute('class')).not.toContain('tile-faded');
    await page.clock.fastForward((FADE_MINUTES + 1) * 60_000);
    await expect.poll(() => tile.getAttribute('class')).toContain('tile-faded');
    await screenshot(page, 'board-tile-faded');
  });

  it('shows how many wait and the typical wait, the clinic’s name and the ticker the admin edits, live', async () => {
    const dept = await department('TCK', ['Counter A']);
    await e2e.api('PUT', '/settings/branding', { clinicName: 'City Clinic', logoDataUrl: null });
    await issue(dept.id, 'Sunita Rao');
    await issue(dept.id, 'Omar Aziz');
    const page = await openBoard(`${dept.id}?lang=en,hi`);
    await page.locator('.board-stats').filter({ hasText: 'Waiting: 2' }).filter({ hasText: /Typical wait \d+–\d+ min/ }).waitFor();
    await page.locator('.board-clinic').filter({ hasText: 'City Clinic' }).waitFor();
    expect(await page.locator('.board-ticker').count()).toBe(0);

    // The admin edits the ticker on the board set-up screen.
    const { page: admin } = await e2e.signedIn('admin');
    await admin.goto(`${e2e.url}/display`);
    await admin.getByRole('heading', { name: 'Board messages' }).waitFor();
    await admin.getByLabel('Department', { exact: true }).last().selectOption({ label: 'TCK Clinic (TCK)' });
    await admin.getByLabel('Ticker along the foot of the board').fill('Pharmacy closes at 8 pm · फ़ार्मेसी रात 8 बजे बंद होती है');
    await admin.getByRole('button', { name: 'Save board messages' }).click();
    await admin.getByText('Saved. The boards show it within 30 seconds.').waitFor();
    await screenshot(admin, 'board-settings-admin');
    expect(await seriousViolations(admin)).toEqual([]);
    // No reload: the board reads its settings again by itself (and after any event of its department).
    await issue(dept.id, 'Farid Khan');
    await page.locator('.board-ticker').filter({ hasText: 'Pharmacy closes at 8 pm' }).waitFor({ timeout: 40_000 });
    await page.locator('.board-stats').filter({ hasText: 'Waiting: 3' }).waitFor();
    await screenshot(page, 'board-ticker-and-figures');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('shows several departments on one board, each with its own tiles and line', async () => {
    const gen = await issue(hospital.gen.id, 'Leela Nair');
    const lab = await issue(hospital.lab.id, 'Vikram Shah');
    const page = await openBoard(`${hospital.gen.id},${hospital.lab.id}`);
    const panels = page.locator('.board-panel');
    await expect.poll(() => panels.locator('.board-panel-title').allTextContents()).toEqual(['General OPD', 'Laboratory']);
    await panels.nth(0).locator('.board-next').filter({ hasText: gen.number }).waitFor();
    await panels.nth(1).locator('.board-next').filter({ hasText: lab.number }).waitFor();
    await callNext(hospital.lab.counters[0]!.id);
    await panels.nth(1).locator('.tile').filter({ hasText: lab.number }).filter({ hasText: 'Sample Desk 1' }).waitFor();
    expect(await panels.nth(0).locator('.tile').filter({ hasText: lab.number }).count()).toBe(0);
    await screenshot(page, 'board-two-departments');
    expect(await seriousViolations(page)).toEqual([]);
    // The single-department address keeps working.
    await page.goto(`${e2e.url}/display/${hospital.lab.id}`);
    await page.locator('.board-title').filter({ hasText: 'Laboratory' }).waitFor();
  });

  it('remembers a muted board across a reload (a TV that reboots comes back as it was left)', async () => {
    const page = await openBoard(hospital.gen.id);
    const turnOn = page.getByRole('button', { name: 'Turn on sound' });
    if (await turnOn.count()) await turnOn.click();
    await page.getByRole('button', { name: 'Sound on' }).click();
    await page.getByRole('button', { name: 'Sound off' }).waitFor();
    await page.reload();
    await page.locator('.board-badge-ok').waitFor();
    await page.getByRole('button', { name: 'Sound off' }).waitFor();
    expect(await page.evaluate<string | null>("localStorage.getItem('smart-token.board.sound')")).toBe('off');
  });
});
