import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot, type Hospital } from './harness.js';

interface Issued {
  id: string;
  number: string;
}

/** Long enough for a key press to have reached the server, had it sent anything. */
const NOTHING_HAPPENS_MS = 1500;
/** No queue read for this long after the console went live: its subscription's own read is done. */
const QUIET_MS = 1000;

/** Every API request the page sends from now on. */
function recordRequests(page: Page): { requests: Request[]; stop: () => void } {
  const requests: Request[] = [];
  const onRequest = (request: Request) => {
    if (new URL(request.url()).pathname.startsWith('/api/')) requests.push(request);
  };
  page.on('request', onRequest);
  return { requests, stop: () => page.off('request', onRequest) };
}

const posts = (requests: Request[]) => requests.filter((r) => r.method() === 'POST').map((r) => new URL(r.url()).pathname);

describe('the counter console in the browser', () => {
  const e2e = new E2E();
  let hospital: Hospital;

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  /** Each test has a department of its own, so no test sees another's patients. */
  async function department(code: string, name: string, counters: string[]): Promise<{ id: string; counters: { id: string; name: string }[] }> {
    const made = await e2e.api<{ id: string }>('POST', '/departments', { code, name });
    const list = [];
    for (const counter of counters) list.push(await e2e.api<{ id: string; name: string }>('POST', '/counters', { departmentId: made.id, name: counter }));
    return { id: made.id, counters: list };
  }

  const issue = (departmentId: string, name: string, priority: 'normal' | 'emergency' = 'normal') =>
    e2e.api<Issued>('POST', '/tokens', { departmentId, patient: { name, phone: `98765 ${String(Math.floor(Math.random() * 90_000) + 10_000)}` }, priority });

  async function openConsole(counter: string): Promise<Page> {
    const { page } = await e2e.signedIn('doctor');
    // Once the server confirms its live subscription the console reads its queue again (what happened
    // before is in no event). "Live" shows when the socket opens, a moment before: a test that records
    // requests after it could count that read as one an event caused (a CI run did). So this returns
    // once the queue has been read and no read has started or been under way for a second.
    const reads = { started: 0, done: 0, last: 0 };
    const isQueueRead = (request: Request) => request.method() === 'GET' && /^\/api\/v1\/departments\/[^/]+\/queue$/.test(new URL(request.url()).pathname);
    page.on('request', (request) => {
      if (!isQueueRead(request)) return;
      reads.started += 1;
      reads.last = Date.now();
    });
    const finished = (request: Request) => {
      if (!isQueueRead(request)) return;
      reads.done += 1;
      reads.last = Date.now();
    };
    page.on('requestfinished', finished);
    page.on('requestfailed', finished);
    await page.goto(`${e2e.url}/counter`);
    await page.getByLabel('Choose your counter').selectOption({ label: counter });
    await page.getByText('Live', { exact: true }).waitFor();
    await expect.poll(() => reads.started > 0 && reads.done === reads.started && Date.now() - reads.last > QUIET_MS, { timeout: 10_000 }).toBe(true);
    return page;
  }

  const current = (page: Page) => page.locator('.current-number');
  const waitingNumbers = (page: Page) => page.locator('.waiting-table tbody tr td:nth-child(2) strong').allTextContents();

  it('completes the patient and calls the next in one request, with a fresh Idempotency-Key for each press', async () => {
    const [first, second, third] = [await issue(hospital.gen.id, 'Asha Rao'), await issue(hospital.gen.id, 'Ravi Kumar'), await issue(hospital.gen.id, 'Meena Iyer')];
    const room3 = hospital.gen.counters[0]!;
    const page = await openConsole(room3.name);
    await page.getByRole('button', { name: 'Call next', exact: true }).click();
    await current(page).filter({ hasText: first.number }).waitFor();

    const recorded = recordRequests(page);
    await page.getByRole('button', { name: 'Complete and call next' }).click();
    await current(page).filter({ hasText: second.number }).waitFor();
    await page.getByRole('button', { name: 'Complete and call next' }).click();
    await current(page).filter({ hasText: third.number }).waitFor();
    recorded.stop();
    await screenshot(page, 'counter-complete-and-next');

    const endpoint = `/api/v1/counters/${room3.id}/complete-and-call-next`;
    expect(posts(recorded.requests)).toEqual([endpoint, endpoint]);
    const keys = await Promise.all(recorded.requests.filter((r) => r.method() === 'POST').map(async (r) => (await r.allHeaders())['idempotency-key']));
    expect(keys.every((key) => typeof key === 'string' && key.length > 0)).toBe(true);
    expect(new Set(keys).size).toBe(2);

    expect((await e2e.api<{ status: string }>('GET', `/tokens/${first.id}`)).status).toBe('completed');
    expect((await e2e.api<{ status: string }>('GET', `/tokens/${second.id}`)).status).toBe('completed');
    expect((await e2e.api<{ status: string; counterId: string }>('GET', `/tokens/${third.id}`)).status).toBe('called');
  });

  it('the waiting list follows tokens issued and called elsewhere, without reading the whole queue for each event', async () => {
    const ent = await department('ENT', 'ENT Clinic', ['ENT Room 1', 'ENT Room 2']);
    const page = await openConsole(ent.counters[0]!.name);
    await page.getByText('Nobody is waiting', { exact: false }).first().waitFor();
    const recorded = recordRequests(page);

    const a = await issue(ent.id, 'Kiran Das');
    const b = await issue(ent.id, 'Leela Nair');
    await expect.poll(() => waitingNumbers(page)).toEqual([a.number, b.number]);

    // Room 4 calls the next patient: the line here moves up.
    await e2e.api('POST', `/counters/${ent.counters[1]!.id}/call-next`);
    await expect.poll(() => waitingNumbers(page)).toEqual([b.number]);

    // An emergency goes ahead of everyone: its place comes from the server.
    const emergency = await issue(ent.id, 'Farid Khan', 'emergency');
    await expect.poll(() => waitingNumbers(page)).toEqual([emergency.number, b.number]);
    recorded.stop();
    await screenshot(page, 'counter-waiting-live');

    // Four events (two issues, a call, an emergency): only the emergency needed the queue read again.
    const queueReads = recorded.requests.filter((r) => r.method() === 'GET' && new URL(r.url()).pathname === `/api/v1/departments/${ent.id}/queue`);
    expect(queueReads.length).toBeLessThanOrEqual(1);
  });

  it('single-key shortcuts can be turned off: then N does nothing, and the browser remembers it', async () => {
    const waiting = await issue(hospital.lab.id, 'Sunita Rao');
    const page = await openConsole(hospital.lab.counters[0]!.name);
    await expect.poll(() => waitingNumbers(page)).toEqual([waiting.number]);
    const setting = page.getByLabel('Single-key shortcuts');
    expect(await setting.isChecked()).toBe(true);
    await setting.uncheck();

    const recorded = recordRequests(page);
    await page.keyboard.press('n');
    await page.keyboard.press('Shift+N');
    await page.waitForTimeout(NOTHING_HAPPENS_MS);
    recorded.stop();
    expect(posts(recorded.requests)).toEqual([]);
    expect(await current(page).count()).toBe(0);
    expect(await waitingNumbers(page)).toEqual([waiting.number]);
    // Nothing on screen or for a screen reader still offers the key.
    expect(await page.getByRole('button', { name: 'Call next', exact: true }).getAttribute('aria-keyshortcuts')).toBeNull();
    await screenshot(page, 'counter-shortcuts-off');

    await page.reload();
    await page.getByText('Live', { exact: true }).waitFor();
    expect(await page.getByLabel('Single-key shortcuts').isChecked()).toBe(false);

    // Turned on again, the same key calls the patient.
    await page.getByLabel('Single-key shortcuts').check();
    await page.keyboard.press('n');
    await current(page).filter({ hasText: waiting.number }).waitFor();
  });
});
