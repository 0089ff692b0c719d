import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, screenshot } from './harness.js';

/** The fonts Chromium really drew an element's text with (DevTools' "Rendered fonts"), and whether each came from the page. */
async function renderedFonts(page: Page, selector: string): Promise<{ familyName: string; isCustomFont: boolean; glyphCount: number }[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  await cdp.detach();
  return fonts;
}

/** The web fonts this page downloaded (file names), from the resource timing entries. */
const downloadedFonts = (page: Page) =>
  page.evaluate<string[]>(`performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.woff2')).map((n) => n.slice(n.lastIndexOf('/') + 1))`);

describe('bundled fonts: Hindi and Arabic on a machine without their fonts', () => {
  const e2e = new E2E();

  beforeAll(async () => {
    await e2e.start();
    await e2e.hospital();
  }, 120_000);
  afterAll(() => e2e.stop());

  async function kioskIn(language: string): Promise<Page> {
    const { context, page } = await e2e.signedIn('kiosk', { width: 1080, height: 1920 });
    await context.addInitScript(`localStorage.setItem('smart-token.language', ${JSON.stringify(language)})`);
    await page.goto(`${e2e.url}/kiosk`);
    await page.locator('main h1').waitFor();
    await page.evaluate('document.fonts.ready.then(() => true)');
    return page;
  }

  it('the kiosk in Hindi draws Devanagari with the bundled Noto Sans Devanagari, not empty boxes', async () => {
    const page = await kioskIn('hi');
    expect(await page.locator('main h1').textContent()).toMatch(/[\u0900-\u097F]/);
    const fonts = await renderedFonts(page, 'main h1');
    expect(fonts).toContainEqual(expect.objectContaining({ familyName: 'Noto Sans Devanagari', isCustomFont: true }));
    // Every glyph of the heading came from a font the page brought: none fell to the machine (and its boxes).
    expect(fonts.filter((f) => !f.isCustomFont)).toEqual([]);
    expect(await page.evaluate<boolean>(`document.fonts.check('16px "Noto Sans Devanagari"', 'नमस्ते') && [...document.fonts].some((f) => f.family.replace(/"/g, '') === 'Noto Sans Devanagari' && f.status === 'loaded')`)).toBe(true);
    await screenshot(page, 'kiosk-hi-devanagari');
  });

  it('the kiosk in Arabic draws Arabic with the bundled Noto Sans Arabic', async () => {
    const page = await kioskIn('ar');
    const fonts = await renderedFonts(page, 'main h1');
    expect(fonts).toContainEqual(expect.objectContaining({ familyName: 'Noto Sans Arabic', isCustomFont: true }));
    expect(fonts.filter((f) => !f.isCustomFont)).toEqual([]);
    await screenshot(page, 'kiosk-ar-arabic');
  });

  it('the kiosk in English uses the bundled Noto Sans, and its Hindi and Arabic language buttons are readable too', async () => {
    const page = await kioskIn('en');
    expect(await renderedFonts(page, 'main h1')).toEqual([expect.objectContaining({ familyName: 'Noto Sans', isCustomFont: true })]);
    // The buttons a Hindi or Arabic reader looks for are drawn in their script, not as boxes.
    expect(await renderedFonts(page, 'button[lang="hi"]')).toEqual([expect.objectContaining({ familyName: 'Noto Sans Devanagari', isCustomFont: true })]);
    expect(await renderedFonts(page, 'button[lang="ar"]')).toEqual([expect.objectContaining({ familyName: 'Noto Sans Arabic', isCustomFont: true })]);
    await screenshot(page, 'kiosk-en-fonts');
  });

  it('the status page loads the Devanagari font in Hindi only, and draws with it', async () => {
    const { context, page } = await e2e.anonymous();
    await context.addInitScript(`localStorage.setItem('smart-token.language', 'hi')`);
    await page.goto(`${e2e.url}/status`);
    await page.locator('#st-title').waitFor();
    await page.evaluate('document.fonts.ready.then(() => true)');
    const fonts = await renderedFonts(page, '#st-title');
    expect(fonts).toContainEqual(expect.objectContaining({ familyName: 'Noto Sans Devanagari', isCustomFont: true }));
    const files = await downloadedFonts(page);
    expect(files.some((f) => f.includes('devanagari'))).toBe(true);
    expect(files.some((f) => f.includes('arabic'))).toBe(false);
    await screenshot(page, 'status-hi-devanagari');

    const english = await e2e.anonymous();
    await english.context.addInitScript(`localStorage.setItem('smart-token.language', 'en')`);
    await english.page.goto(`${e2e.url}/status`);
    await english.page.locator('#st-title').waitFor();
    await english.page.evaluate('document.fonts.ready.then(() => true)');
    expect(await downloadedFonts(english.page)).toEqual([]);
  });
});
