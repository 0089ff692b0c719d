#!/usr/bin/env node
/**
 * Captures issue 13's thirteen defects as they were, from a build of the commit before the issue's
 * work (56a6054, the parent of 8d856eb, where React Aria and the fonts came in), for the closing note.
 * The "after" pictures are written by the browser tests (test-artifacts/screenshots/, see
 * docs/screenshots/README.md).
 *
 *   git worktree add --detach /tmp/before 56a6054
 *   (cd /tmp/before && ln -s <repo>/node_modules && npx tsc -b apps/server && npm run build -w @smart-token/web)
 *   node scripts/screenshots-before.mjs /tmp/before
 *
 * Starts that build's server on 127.0.0.1:3901 with a temporary data folder (SQLite), sets up a
 * small clinic through the API, drives Chromium headless (playwright-core, /usr/bin/chromium) and
 * writes docs/screenshots/before/NN-name.png (1024 px wide) and a ticket PDF.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const BUILD = resolve(process.argv[2] ?? '/tmp/before');
const OUT = resolve(import.meta.dirname, '..', 'docs', 'screenshots', 'before');
const PORT = 3901;
const URL_BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: 'admin@before.test', password: 'Before-screens-2026!' };
const PASSWORD = 'Before-screens-2026!';
const WIDTH = 1024;

mkdirSync(OUT, { recursive: true });
const data = mkdtempSync(join(tmpdir(), 'smart-token-before-'));
const server = spawn(process.execPath, [join(BUILD, 'apps/server/dist/server.js')], {
  env: {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(PORT),
    DATA_DIR: data,
    DATABASE_URL: `sqlite:${join(data, 'before.db')}`,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});

async function ready() {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${URL_BASE}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the old server did not start');
}

let token = '';
async function api(method, path, body) {
  const res = await fetch(`${URL_BASE}/api/v1${path}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`) });
const failed = [];
/** One defect's capture: a failure is reported and the others still run. */
async function step(name, work) {
  try {
    await work();
  } catch (error) {
    failed.push(name);
    console.error(`${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

try {
  await ready();
  token = (await api('POST', '/auth/login', ADMIN)).accessToken;
  // Billing first alphabetically: reception started there (defect 1).
  const billing = await api('POST', '/departments', { code: 'BIL', name: 'Billing' });
  const gen = await api('POST', '/departments', { code: 'GEN', name: 'General OPD', selfCheckIn: true });
  await api('POST', '/counters', { departmentId: billing.id, name: 'Cash 1' });
  const room1 = await api('POST', '/counters', { departmentId: gen.id, name: 'Room 1' });
  // Defect 5: the same counter name twice in one department was accepted.
  const duplicate = await api('POST', '/counters', { departmentId: gen.id, name: 'Room 1' });
  for (const role of ['receptionist', 'doctor', 'display', 'kiosk']) {
    await api('POST', '/users', { email: `${role}@before.test`, name: `Before ${role}`, role, password: PASSWORD });
  }

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  async function signedIn(role, viewport = { width: WIDTH, height: 768 }, language) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(`${URL_BASE}/login`);
    await page.getByLabel(/email/i).fill(role === 'admin' ? ADMIN.email : `${role}@before.test`);
    await page.getByLabel(/password/i).fill(role === 'admin' ? ADMIN.password : PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    // The language is chosen once signed in: the login form's labels are looked up in English.
    if (language) await page.evaluate(`localStorage.setItem('smart-token.language', ${JSON.stringify(language)})`);
    return { context, page };
  }

  await step('reception (1, 4, 3, 2, 8, 6)', async () => {
    // 1. Reception starts on Billing.
    const desk = await signedIn('receptionist');
    await desk.page.goto(`${URL_BASE}/reception`);
    await desk.page.getByLabel('Department', { exact: true }).waitFor();
    await shot(desk.page, '01-reception-defaults-to-billing');

    // 4. The validator's text shown to a person.
    await desk.page.getByLabel('Phone number').fill('12');
    await desk.page.getByLabel('Patient name').fill('Asha Rao');
    await desk.page.getByRole('button', { name: /issue/i }).first().click();
    await desk.page.waitForTimeout(800);
    await shot(desk.page, '04-developer-message');

    // 3. A patient still waiting gets a second token without a word.
    const phone = '98765 43210';
    await api('POST', '/tokens', { departmentId: gen.id, patient: { name: 'Asha Rao', phone } });
    await desk.page.goto(`${URL_BASE}/reception`);
    await desk.page.getByLabel('Phone number').waitFor();
    await desk.page.getByLabel('Department', { exact: true }).selectOption({ label: 'General OPD (GEN)' });
    await desk.page.getByLabel('Phone number').fill(phone);
    await desk.page.getByLabel('Patient name').fill('Asha Rao');
    await desk.page.getByRole('button', { name: /issue/i }).first().click();
    await desk.page.getByText(/GEN-002/).first().waitFor();
    await shot(desk.page, '03-second-token-no-warning');

    // 2. After issuing: print and new patient, nothing to mend a wrong token with; no search.
    await desk.page.screenshot({ path: join(OUT, '02-no-cancel-move-reprint.png'), fullPage: true });

    // 8. The ticket's status link names 127.0.0.1, which no phone can open.
    await desk.page.locator('.ticket').first().screenshot({ path: join(OUT, '08-qr-points-at-loopback.png') });

    // 6. Printing: the ticket went out on Letter paper with a blank second page.
    await desk.page.emulateMedia({ media: 'print' });
    const pdf = await desk.page.pdf({ preferCSSPageSize: true });
    writeFileSync(join(OUT, '06-ticket-print.pdf'), pdf);
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
    const size = box ? `${(Number(box[1]) / 72).toFixed(2)} × ${(Number(box[2]) / 72).toFixed(2)} in` : 'unknown';
    await desk.page.emulateMedia({ media: 'screen' });
    const note = await browser.newPage({ viewport: { width: WIDTH, height: 300 } });
    await note.setContent(
      `<body style="font:20px sans-serif;padding:24px"><h1 style="font-size:26px">Reception → Print ticket, printed to PDF by Chromium</h1><p>Pages: <b>${pages}</b> (one ticket)</p><p>Page size: <b>${size}</b> (US Letter, not an 80 mm roll)</p><p>File: 06-ticket-print.pdf</p></body>`,
    );
    await shot(note, '06-ticket-two-letter-pages');
  });

  await step('admin (5, 7)', async () => {
    // 5 and 7. Admin: two "Room 1" in one department; departments and counters can only be created.
    const admin = await signedIn('admin', { width: WIDTH, height: 1400 });
    await admin.page.goto(`${URL_BASE}/admin`);
    await admin.page.getByText('Room 1').first().waitFor();
    await admin.page.screenshot({ path: join(OUT, '05-duplicate-counter-names.png'), fullPage: true });
    await shot(admin.page, '07-admin-create-only');
  });

  await step('board (10)', async () => {
    // 10. Room 1 calls twice: the board shows two "now serving" tiles for one room.
    await api('POST', '/tokens', { departmentId: gen.id, patient: { name: 'Ravi Kumar', phone: '98765 11111' } });
    await api('POST', `/counters/${room1.id}/call-next`);
    await api('POST', `/counters/${room1.id}/call-next`);
    const board = await signedIn('display', { width: WIDTH, height: 640 });
    await board.page.goto(`${URL_BASE}/display/${gen.id}`);
    await board.page.waitForTimeout(2000);
    await shot(board.page, '10-two-tiles-for-one-room');
  });

  await step('counter (11)', async () => {
    // 11. Undo is lost on reload: the counter offers nothing to undo after a reload.
    const doctor = await signedIn('doctor', { width: WIDTH, height: 900 });
    await doctor.context.addInitScript(`localStorage.setItem('smart-token.counterId', ${JSON.stringify(duplicate.id)})`);
    await api('POST', '/tokens', { departmentId: gen.id, patient: { name: 'Meera Shah', phone: '98765 22222' } });
    await doctor.page.goto(`${URL_BASE}/counter`);
    await doctor.page.getByRole('button', { name: /call next/i }).first().click();
    await doctor.page.waitForTimeout(1000);
    await doctor.page.reload();
    await doctor.page.waitForTimeout(1500);
    await doctor.page.keyboard.press('u');
    await doctor.page.waitForTimeout(800);
    await shot(doctor.page, '11-undo-lost-on-reload');
  });

  await step('kiosk (12)', async () => {
    // 12. Kiosk on a portrait screen: no on-screen keyboard, no countdown, landscape layout.
    const kiosk = await signedIn('kiosk', { width: 540, height: 960 });
    await kiosk.page.goto(`${URL_BASE}/kiosk`);
    await kiosk.page.waitForTimeout(1500);
    await kiosk.page.getByRole('button', { name: /General OPD/ }).first().click().catch(() => undefined);
    await kiosk.page.waitForTimeout(800);
    await shot(kiosk.page, '12-kiosk-portrait');
  });

  await step('hindi (9)', async () => {
    // 9. Hindi as empty boxes on a machine without a Devanagari font (this one has none).
    const hindi = await signedIn('receptionist', { width: WIDTH, height: 768 }, 'hi');
    await hindi.page.goto(`${URL_BASE}/reception`);
    await hindi.page.waitForTimeout(1500);
    await shot(hindi.page, '09-hindi-empty-boxes');
  });

  await step('small things (13)', async () => {
    // 13. Small things: the Arabic journey in English ("by system", "returned after park"), and the favicon's 404.
    const asha = await api('POST', '/tokens', { departmentId: gen.id, patient: { name: 'Farah Ali', phone: '98765 33333' } });
    for (let i = 0; i < 6; i++) await api('POST', '/tokens', { departmentId: gen.id, patient: { name: `Patient ${i}`, phone: `98765 4444${i}` } });
    // Farah is called at the second "Room 1" and parked; calls go on there until she is back and called again.
    for (let i = 0; i < 12; i++) if ((await api('POST', `/counters/${duplicate.id}/call-next`)).token?.id === asha.id) break;
    await api('POST', `/tokens/${asha.id}/park`);
    for (let i = 0; i < 12; i++) if ((await api('POST', `/counters/${duplicate.id}/call-next`)).token?.id === asha.id) break;
    const arabic = await signedIn('doctor', { width: WIDTH, height: 1100 }, 'ar');
    await arabic.context.addInitScript(`localStorage.setItem('smart-token.counterId', ${JSON.stringify(duplicate.id)})`);
    await arabic.page.goto(`${URL_BASE}/counter`);
    await arabic.page.waitForTimeout(2000);
    await arabic.page.screenshot({ path: join(OUT, '13-journey-english-in-arabic.png'), fullPage: true });
    const favicon = await browser.newPage({ viewport: { width: WIDTH, height: 300 } });
    const res = await favicon.goto(`${URL_BASE}/favicon.ico`);
    await favicon.setContent(`<body style="font:20px sans-serif;padding:24px"><h1 style="font-size:26px">GET /favicon.ico</h1><p>HTTP <b>${res?.status()}</b> on every page</p><pre style="white-space:pre-wrap">${(await res?.text())?.replace(/</g, '&lt;') ?? ''}</pre></body>`);
    await shot(favicon, '13-favicon-404');
  });

  await browser.close();
  console.log(`written to ${OUT}${failed.length ? `; not captured: ${failed.join(', ')}` : ''}`);
} finally {
  server.kill();
  rmSync(data, { recursive: true, force: true });
}
