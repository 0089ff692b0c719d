import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot, type Hospital } from './harness.js';

describe('the small things of a morning', () => {
  const e2e = new E2E();
  let hospital: Hospital;

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  it('every page has a favicon: /favicon.ico and the icon the pages link to answer 200, and no page asks for one in vain', async () => {
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const res = await fetch(`${e2e.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^image\//);
    }
    const { page } = await e2e.anonymous({ width: 1280, height: 800 });
    const missing: string[] = [];
    page.on('response', (res) => {
      if (res.status() === 404) missing.push(res.url());
    });
    await page.goto(`${e2e.url}/login`);
    await page.locator('form').waitFor();
    const icon = await page.locator('link[rel="icon"]').first().getAttribute('href');
    expect(icon).toBeTruthy();
    expect((await fetch(new URL(icon!, e2e.url))).status).toBe(200);
    await page.goto(`${e2e.url}/favicon.ico`);
    expect(missing).toEqual([]);
  });

  it('/api/docs draws without a Content-Security-Policy violation, and the app keeps its strict policy', async () => {
    const { page } = await e2e.anonymous({ width: 1280, height: 800 });
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${e2e.url}/api/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    await page.locator('.opblock').first().waitFor();
    expect(violations).toEqual([]);
    await screenshot(page, 'api-docs');

    const docs = (await fetch(`${e2e.url}/api/docs`)).headers.get('content-security-policy') ?? '';
    const app = (await fetch(`${e2e.url}/login`)).headers.get('content-security-policy') ?? '';
    expect(docs).toMatch(/script-src 'self';/);
    expect(docs).not.toMatch(/https:|upgrade-insecure-requests|validator\.swagger\.io/);
    expect(app).toMatch(/script-src 'self'(;|$)/);
    expect(app).not.toContain("'unsafe-eval'");
  });

  it('npm run cli builds only the server, not the web app, before it runs', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    const cli = pkg.scripts.cli ?? '';
    expect(cli).toContain('node apps/server/dist/cli/main.js');
    expect(cli).toContain('tsc -b apps/server');
    // Neither the web build nor the root build (which builds the web app) runs on each call.
    expect(cli).not.toMatch(/@smart-token\/web|vite|npm run build/);
  });

  it('the Arabic visit journey shows why and by whom in Arabic: no "(returned after park)", no "by system"', async () => {
    const [room3, room4] = hospital.gen.counters;
    const issue = (name: string, phone: string) => e2e.api<{ id: string }>('POST', '/tokens', { departmentId: hospital.gen.id, patient: { name, phone } });
    const asha = await issue('Asha Rao', '98765 43210');
    for (const [i, name] of ['Ravi Kumar', 'Meera Shah', 'John Doe'].entries()) await issue(name, `98765 1111${i}`);
    await e2e.api('POST', `/counters/${room3!.id}/call-next`);
    await e2e.api('POST', `/tokens/${asha.id}/park`);
    // Three other patients called: the parked one is back in line (an action of the system), then called again.
    for (let i = 0; i < 3; i++) await e2e.api('POST', `/counters/${room4!.id}/call-next`);
    const again = await e2e.api<{ token: { id: string } }>('POST', `/counters/${room3!.id}/call-next`);
    expect(again.token.id).toBe(asha.id);
    const history = (await e2e.api<{ history: { action: string; by: string; reason?: string }[] }>('GET', `/tokens/${asha.id}`)).history;
    expect(history).toContainEqual(expect.objectContaining({ action: 'return', by: 'system', reason: 'returned after park' }));

    const { context, page } = await e2e.signedIn('doctor');
    await context.addInitScript(`localStorage.setItem('smart-token.language', 'ar'); localStorage.setItem('smart-token.counterId', ${JSON.stringify(room3!.id)});`);
    await page.goto(`${e2e.url}/counter`);
    const journey = page.locator('ol.journey');
    await journey.waitFor();
    // The return step: its Arabic label says why (no English reason repeated after it), and who: automatically.
    await expect.poll(async () => (await journey.textContent()) ?? '').toContain('عاد إلى الدور بعد التأجيل');
    const text = (await journey.textContent()) ?? '';
    expect(text).not.toMatch(/returned after park|by system|system/i);
    expect(text).toContain('تلقائيًا');
    await screenshot(page, 'counter-journey-ar');
  });

  it("the patient's status page carries the clinic's name (admin branding), not the product's", async () => {
    await e2e.api('PUT', '/settings/branding', { clinicName: 'Sunrise Clinic', logoDataUrl: null });
    const { page } = await e2e.anonymous();
    await page.goto(`${e2e.url}/status`);
    await expect.poll(() => page.locator('.st-brand').textContent()).toBe('Sunrise Clinic');
    expect(await page.title()).toContain('Sunrise Clinic');
    await screenshot(page, 'status-branded');
  });
});
