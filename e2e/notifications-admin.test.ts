import type { Template } from '@smart-token/contracts';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTwilio, type FakeTwilio } from '../apps/server/src/test/fake-twilio.js';
import { E2E, screenshot, seriousViolations } from './harness.js';

const CLINIC_SMS_NUMBER = '+15005550006';
const PATIENT_PHONE = '+919876543210';
const FIXED_TEXT = '{number}: please go to {counter}';

/** The Notifications tab's "Message texts" section, set to the clinic's English "called" text. */
async function calledTextInEnglish(page: Page): Promise<Locator> {
  const texts = page.getByRole('region', { name: 'Message texts' });
  await texts.getByRole('combobox', { name: 'Texts for' }).selectOption({ label: 'The whole clinic' });
  await texts.getByRole('combobox', { name: 'Language' }).selectOption('en');
  await texts.getByRole('combobox', { name: 'Message', exact: true }).selectOption('called');
  await texts.getByRole('heading', { name: /Called to a counter · English/ }).waitFor();
  return texts;
}

describe('admin → notifications: the gateway, a message text with its live preview, a test message through Twilio', () => {
  const e2e = new E2E();
  let twilio: FakeTwilio;
  /** What the preview showed for the saved text: a test message sends the same words. */
  let previewText = '';

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    await e2e.start();
    await e2e.hospital();
  }, 120_000);
  afterAll(async () => {
    await e2e.stop();
    await twilio?.close();
  });

  it('with no gateway the tab says messages go to the outbox log; an unknown variable is refused with a sentence, and the fixed text previews and saves', async () => {
    const { page } = await e2e.signedIn('admin');
    await page.goto(`${e2e.url}/admin#notifications`);
    await page.getByRole('tab', { name: 'Notifications' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Notifications' }).getAttribute('aria-selected')).toBe('true');
    await page.getByRole('heading', { name: 'SMS and WhatsApp gateway (Twilio)' }).waitFor();
    await page.getByText('Not set — messages go to the outbox log.').waitFor();
    // Not from the environment: the admin may set it here, and the token field starts empty.
    await page.getByRole('button', { name: 'Save gateway' }).waitFor();
    expect(await page.getByLabel('Auth token').inputValue()).toBe('');

    const texts = await calledTextInEnglish(page);
    const body = texts.getByRole('textbox', { name: 'Message text' });
    // The built-in text is there to start from.
    await expect.poll(() => body.inputValue()).not.toBe('');

    await body.fill('{number}: please go to {room}');
    const refusal = texts.getByRole('alert').filter({ hasText: '{room}' });
    await refusal.waitFor();
    expect(await body.getAttribute('aria-invalid')).toBe('true');
    await texts.getByText('No preview: the text has a problem (see beside it).').waitFor();
    // Saving it anyway is refused the same way, and nothing is stored.
    await texts.getByRole('button', { name: 'Save text' }).click();
    await refusal.waitFor();
    await screenshot(page, 'notifications-unknown-variable');
    const stillBuiltIn = await e2e.api<{ templates: Template[] }>('GET', '/notifications/templates');
    expect(stillBuiltIn.templates.find((t) => t.trigger === 'called' && t.language === 'en')?.isDefault).toBe(true);

    await body.fill(FIXED_TEXT);
    const preview = texts.getByTestId('template-preview-text');
    await preview.waitFor();
    await expect.poll(async () => (await preview.textContent()) ?? '').toMatch(/^\S+: please go to \S/);
    previewText = ((await preview.textContent()) ?? '').trim();
    // Example values fill both variables: no brace is left for a patient to read.
    expect(previewText).not.toMatch(/[{}]/);
    const meta = (await texts.getByTestId('template-preview-meta').textContent()) ?? '';
    expect(meta).toMatch(/\b1 SMS part\b(?!s)/);
    expect(meta).toContain('GSM-7');
    expect(meta).toContain(`Characters: ${previewText.length}`);
    expect(await body.getAttribute('aria-invalid')).toBeNull();
    expect(await texts.getByRole('alert').count()).toBe(0);

    await texts.getByRole('button', { name: 'Save text' }).click();
    await texts.getByText('“Called to a counter” in English saved.').waitFor();
    await texts.getByText('Edited', { exact: true }).waitFor();
    const saved = await e2e.api<{ templates: Template[] }>('GET', '/notifications/templates');
    expect(saved.templates.find((t) => t.trigger === 'called' && t.language === 'en')).toMatchObject({ body: FIXED_TEXT, isDefault: false, departmentId: null });
    await screenshot(page, 'notifications-template-saved');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('with Twilio set in the environment the gateway is read-only, and a test message reaches Twilio with the saved text filled in', async () => {
    expect(previewText).not.toBe('');
    Object.assign(e2e.env, { TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM_SMS: CLINIC_SMS_NUMBER, TWILIO_API_URL: twilio.url });
    await e2e.restartServer();

    const { page } = await e2e.signedIn('admin');
    await page.goto(`${e2e.url}/admin#notifications`);
    await page.getByText(/These settings come from the server’s environment/).waitFor();
    await page.getByText(twilio.accountSid).waitFor();
    expect(await page.getByRole('button', { name: 'Save gateway' }).count()).toBe(0);
    expect(await page.getByText(twilio.authToken).count()).toBe(0);

    const test = page.getByRole('region', { name: 'Send a test message' });
    await test.getByRole('textbox', { name: 'Phone number' }).fill(PATIENT_PHONE);
    await test.getByRole('combobox', { name: 'Channel' }).selectOption('sms');
    await test.getByRole('combobox', { name: 'Language' }).selectOption('en');
    await test.getByRole('combobox', { name: 'Message', exact: true }).selectOption('called');
    await test.getByRole('button', { name: 'Send test message' }).click();

    await twilio.waitForMessages(1, 10_000);
    expect(twilio.messages).toHaveLength(1);
    expect(twilio.messages[0]).toMatchObject({ to: PATIENT_PHONE, from: CLINIC_SMS_NUMBER, body: previewText });
    await test.getByText('Test message (SMS):').waitFor();
    await test.getByText('Sent', { exact: true }).waitFor();
    expect(((await test.getByTestId('test-message-body').textContent()) ?? '').trim()).toBe(previewText);
    await screenshot(page, 'notifications-test-message');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
