import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../apps/server/src/test/test-app.js';
import { E2E, screenshot, seriousViolations, type Hospital } from './harness.js';

describe('the admin’s audit trail', () => {
  const e2e = new E2E();
  let hospital: Hospital;

  beforeAll(async () => {
    await e2e.start();
    hospital = await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  /** Calls the API as a signed-in member of staff, as their console would. */
  async function as(email: string, method: string, path: string, body?: unknown): Promise<Response> {
    const token = await e2e.accessToken(email, TEST_PASSWORD);
    return fetch(`${e2e.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  }

  it('finds who saw a token by its number, and exports the trail verified whole', async () => {
    const issued = await as('receptionist@e2e.test', 'POST', '/tokens', { departmentId: hospital.gen.id, patient: { name: 'Meera Iyer', phone: '+919811122233' } });
    expect(issued.status).toBe(201);
    const token = (await issued.json()) as { id: string; number: string };
    expect((await as('doctor@e2e.test', 'GET', `/tokens/${token.id}`)).status).toBe(200);
    expect((await as('receptionist@e2e.test', 'POST', '/tokens/search', { query: token.number })).status).toBe(200);

    const { page } = await e2e.signedIn('admin');
    await page.goto(`${e2e.url}/admin#audit`);
    const panel = page.getByRole('tabpanel');
    await panel.getByLabel('Token number').fill(token.number.toLowerCase());
    const table = panel.getByRole('table', { name: 'Audit trail, newest first' });
    const viewed = table.getByRole('row').filter({ hasText: 'patient.record.viewed' });
    // The server chains entries a moment after they happen: ask again until the doctor's read is listed.
    for (let attempt = 0; ; attempt++) {
      const answered = page.waitForResponse((r) => r.url().includes('/api/v1/admin/audit?') && r.url().includes(`token=${token.number}`));
      await panel.getByRole('button', { name: 'Show entries' }).click();
      await answered;
      const listed = await viewed.first().waitFor({ timeout: 1000 }).then(() => true, () => false);
      if (listed) break;
      expect(attempt, 'the doctor’s read never appeared').toBeLessThan(15);
    }
    expect(await viewed.textContent()).toContain('doctor@e2e.test');
    expect(await viewed.textContent()).toContain(token.number);
    const searched = table.getByRole('row').filter({ hasText: 'patient.search' });
    expect(await searched.textContent()).toContain('receptionist@e2e.test');
    // Only this token's entries: no other token's number shows.
    const tokenCells = await table.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(tokenCells.every((cell) => cell.includes(token.number))).toBe(true);

    const download = page.waitForEvent('download');
    await panel.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^audit-.+\.csv$/);
    const lines = readFileSync(await file.path(), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^# verification: whole; entries=\d+; checkpoints=\d+$/);
    expect(lines.filter((line) => line.includes('patient.record.viewed') && line.includes('doctor@e2e.test'))).toHaveLength(1);
    await panel.getByText(/the audit trail is whole/).waitFor();

    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-audit-trail');
  });
});
