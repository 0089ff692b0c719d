import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import { quickReplyTemplate } from '../texts/quick-replies.js';
import { createTwilioGateway, GatewayError, type TwilioGatewayOptions } from './twilio-gateway.js';
import { signTwilioRequest, twiml, verifyTwilioSignature, webhookUrl } from './twilio-webhook.js';

const PATIENT = '+15551234567';
const FROM_SMS = '+15005550006';
const FROM_WHATSAPP = '+14155238886';

let fake: FakeTwilio;

beforeAll(async () => {
  fake = await startFakeTwilio();
});
afterAll(() => fake.close());
afterEach(() => {
  fake.messages.length = 0;
});

function gateway(overrides: Partial<TwilioGatewayOptions> = {}) {
  return createTwilioGateway({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    apiUrl: fake.url,
    fromSms: FROM_SMS,
    fromWhatsapp: FROM_WHATSAPP,
    statusCallbackUrl: null,
    ...overrides,
  });
}

async function sendFailure(send: Promise<unknown>): Promise<GatewayError> {
  const error = await send.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

/** A stand-in for the app's webhook: records what arrives at it. */
async function startReceiver() {
  const received: Array<{ headers: IncomingHttpHeaders; params: Record<string, string> }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, params: Object.fromEntries(new URLSearchParams(body)) });
      res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('the Twilio gateway', () => {
  it('sends an SMS from the SMS number with the account credentials and returns the message SID', async () => {
    const sent = await gateway().send({ channel: 'sms', to: PATIENT, body: 'Your token GEN-042 is next.' });

    expect(sent.providerId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sent.status).toBe('queued');
    expect(fake.messages).toEqual([
      { sid: sent.providerId, to: PATIENT, from: FROM_SMS, body: 'Your token GEN-042 is next.', at: expect.any(Number) },
    ]);
  });

  it('prefixes both numbers with whatsapp: for WhatsApp, once', async () => {
    await gateway().send({ channel: 'whatsapp', to: PATIENT, body: 'hello' });
    await gateway({ fromWhatsapp: `whatsapp:${FROM_WHATSAPP}` }).send({ channel: 'whatsapp', to: PATIENT, body: 'again' });

    expect(fake.messages.map((m) => [m.to, m.from])).toEqual([
      [`whatsapp:${PATIENT}`, `whatsapp:${FROM_WHATSAPP}`],
      [`whatsapp:${PATIENT}`, `whatsapp:${FROM_WHATSAPP}`],
    ]);
  });

  it('sends WhatsApp quick replies through a content template it makes once per language and keeps', async () => {
    const kept = new Map<string, string>();
    const store = { get: async (key: string) => kept.get(key), set: async (key: string, sid: string) => void kept.set(key, sid) };
    const first = gateway({ contentSids: store });
    await first.send({ channel: 'whatsapp', to: PATIENT, body: 'GEN-004 is near', quickReplies: quickReplyTemplate('en') });
    await first.send({ channel: 'whatsapp', to: PATIENT, body: 'GEN-005 is near', quickReplies: quickReplyTemplate('en') });

    expect(fake.contents).toHaveLength(1);
    const [content] = fake.contents;
    expect(content).toMatchObject({ language: 'en', buttons: [{ id: 'STATUS' }, { id: 'LATE_15' }, { id: 'CANCEL' }] });
    // WhatsApp does not approve a template whose body starts or ends with a variable.
    expect(content?.body).toMatch(/^[^{].*\n\{\{1\}\}\n.*[^}]$/s);
    expect(fake.messages.map((m) => [m.contentSid, m.body])).toEqual([
      [content?.sid, content?.body.replace('{{1}}', 'GEN-004 is near')],
      [content?.sid, content?.body.replace('{{1}}', 'GEN-005 is near')],
    ]);
    expect([...kept.values()]).toEqual([content?.sid]);

    // Another gateway on the same store (a restart, another instance) uses the kept template.
    await gateway({ contentSids: store }).send({ channel: 'whatsapp', to: PATIENT, body: 'again', quickReplies: quickReplyTemplate('en') });
    expect(fake.contents).toHaveLength(1);
    // Another language is another template; an SMS ignores the buttons.
    await first.send({ channel: 'whatsapp', to: PATIENT, body: 'x', quickReplies: quickReplyTemplate('ar') });
    await first.send({ channel: 'sms', to: PATIENT, body: 'plain', quickReplies: quickReplyTemplate('en') });
    expect(fake.contents.map((c) => c.language)).toEqual(['en', 'ar']);
    expect(fake.messages.at(-1)).toMatchObject({ to: PATIENT, body: 'plain' });
    expect(fake.messages.at(-1)?.contentSid).toBeUndefined();
    fake.contents.length = 0;
  });

  it('sends plain WhatsApp text when the content template cannot be made, and does not ask again at once', async () => {
    fake.refuseContent = true;
    try {
      const g = gateway();
      await g.send({ channel: 'whatsapp', to: PATIENT, body: 'GEN-004 is near', quickReplies: quickReplyTemplate('hi') });
      fake.refuseContent = false;
      await g.send({ channel: 'whatsapp', to: PATIENT, body: 'GEN-005 is near', quickReplies: quickReplyTemplate('hi') });
      expect(fake.messages.map((m) => [m.body, m.contentSid])).toEqual([
        ['GEN-004 is near', undefined],
        ['GEN-005 is near', undefined],
      ]);
      expect(fake.contents).toEqual([]);
    } finally {
      fake.refuseContent = false;
    }
  });

  it('asks Twilio for delivery receipts at the status callback URL when one is set', async () => {
    const statusCallbackUrl = 'https://clinic.example/api/v1/notifications/twilio/status';
    await gateway({ statusCallbackUrl }).send({ channel: 'sms', to: PATIENT, body: 'hi' });
    expect(fake.messages[0]?.statusCallback).toBe(statusCallbackUrl);
  });

  it('accepts an API URL with a trailing slash', async () => {
    await gateway({ apiUrl: `${fake.url}/` }).send({ channel: 'sms', to: PATIENT, body: 'hi' });
    expect(fake.messages).toHaveLength(1);
  });

  it('reports a Twilio 500 as retryable, after a single attempt', async () => {
    const before = fake.attempts;
    fake.failNext(1, 500);
    const error = await sendFailure(gateway().send({ channel: 'sms', to: PATIENT, body: 'hi' }));

    expect(error).toMatchObject({ retryable: true, status: 500, code: 20500 });
    expect(fake.attempts - before).toBe(1);
    expect(fake.messages).toHaveLength(0);
  });

  it('reports a 429 as retryable with its Retry-After, and does not retry it itself', async () => {
    const before = fake.attempts;
    fake.failNext(1, 429, { retryAfterSeconds: 7 });
    const error = await sendFailure(gateway().send({ channel: 'sms', to: PATIENT, body: 'hi' }));

    expect(error).toMatchObject({ retryable: true, status: 429, code: 20429, retryAfterMs: 7000 });
    expect(fake.attempts - before).toBe(1);
  });

  it('leaves retryAfterMs unset for a 429 without Retry-After', async () => {
    fake.failNext(1, 429);
    const error = await sendFailure(gateway().send({ channel: 'sms', to: PATIENT, body: 'hi' }));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('reports an invalid number (400, 21211) as not retryable, with Twilio’s explanation', async () => {
    fake.failNext(1, 400, { code: 21211 });
    const error = await sendFailure(gateway().send({ channel: 'sms', to: PATIENT, body: 'hi' }));

    expect(error).toMatchObject({ retryable: false, status: 400, code: 21211 });
    expect(error.message).toContain(`The 'To' number ${PATIENT} is not a valid phone number.`);
  });

  it('reports an empty body as Twilio does (21602), not retryable', async () => {
    const error = await sendFailure(gateway().send({ channel: 'sms', to: PATIENT, body: '' }));
    expect(error).toMatchObject({ retryable: false, status: 400, code: 21602 });
  });

  it('reports wrong credentials (401) as not retryable and never shows the token', async () => {
    const wrongToken = 'wrong-token-0123456789abcdef';
    const error = await sendFailure(gateway({ authToken: wrongToken }).send({ channel: 'sms', to: PATIENT, body: 'hi' }));

    expect(error).toMatchObject({ retryable: false, status: 401, code: 20003 });
    expect(inspect(error, { depth: 10 })).not.toContain(wrongToken);
  });

  it('refuses a channel with no sender configured, naming the setting, without calling Twilio', async () => {
    const before = fake.attempts;
    const sms = await sendFailure(gateway({ fromSms: null }).send({ channel: 'sms', to: PATIENT, body: 'hi' }));
    const whatsapp = await sendFailure(gateway({ fromWhatsapp: null }).send({ channel: 'whatsapp', to: PATIENT, body: 'hi' }));

    expect(sms.retryable).toBe(false);
    expect(sms.message).toContain('TWILIO_FROM_SMS');
    expect(whatsapp.retryable).toBe(false);
    expect(whatsapp.message).toContain('TWILIO_FROM_WHATSAPP');
    expect(fake.attempts).toBe(before);
  });

  it('reports an unreachable Twilio as retryable, with no credentials in the error', async () => {
    const closed = await startFakeTwilio();
    await closed.close();
    const error = await sendFailure(
      createTwilioGateway({ accountSid: closed.accountSid, authToken: closed.authToken, apiUrl: closed.url, fromSms: FROM_SMS, fromWhatsapp: null, statusCallbackUrl: null }).send({
        channel: 'sms',
        to: PATIENT,
        body: 'hi',
      }),
    );

    expect(error).toMatchObject({ retryable: true, code: 'ECONNREFUSED' });
    const shown = inspect(error, { depth: 10 });
    expect(shown).not.toContain(closed.authToken);
    expect(shown).not.toContain(Buffer.from(`${closed.accountSid}:${closed.authToken}`).toString('base64'));
  });

  it('gives up on a Twilio that does not answer within the timeout, as retryable', async () => {
    const silent = createServer(() => {
      // never answers
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const started = Date.now();
      const error = await sendFailure(
        gateway({ apiUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 200 }).send({
          channel: 'sms',
          to: PATIENT,
          body: 'hi',
        }),
      );
      expect(error.retryable).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('Twilio webhook signatures', () => {
  const token = 'auth-token-for-signatures';
  const url = 'https://clinic.example/api/v1/notifications/twilio/inbound';
  const params = { MessageSid: 'SM0123', From: '+15551234567', To: '+15005550006', Body: 'STATUS' };

  it('matches the worked example in Twilio’s webhook security guide', () => {
    const documented = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    };
    const exampleUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';

    expect(signTwilioRequest('12345', exampleUrl, documented)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(verifyTwilioSignature('12345', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', exampleUrl, documented)).toBe(true);
  });

  it('signs as the twilio library does, and the library accepts it', () => {
    const signature = signTwilioRequest(token, url, params);
    expect(signature).toBe(twilio.getExpectedTwilioSignature(token, url, params));
    expect(twilio.validateRequest(token, signature, url, params)).toBe(true);
    expect(verifyTwilioSignature(token, signature, url, params)).toBe(true);
  });

  it('rejects a changed or added field, another URL, another token, and a missing signature', () => {
    const signature = signTwilioRequest(token, url, params);

    expect(verifyTwilioSignature(token, signature, url, { ...params, Body: 'CANCEL' })).toBe(false);
    expect(verifyTwilioSignature(token, signature, url, { ...params, ButtonPayload: 'cancel' })).toBe(false);
    expect(verifyTwilioSignature(token, signature, `${url}?x=1`, params)).toBe(false);
    expect(verifyTwilioSignature(token, signature, 'https://evil.example/api/v1/notifications/twilio/inbound', params)).toBe(false);
    expect(verifyTwilioSignature('another-token', signature, url, params)).toBe(false);
    expect(verifyTwilioSignature(token, undefined, url, params)).toBe(false);
    expect(verifyTwilioSignature(token, '', url, params)).toBe(false);
  });

  it('refuses everything when no auth token is configured', () => {
    expect(verifyTwilioSignature('', signTwilioRequest('', url, params), url, params)).toBe(false);
  });
});

describe('TwiML replies', () => {
  it('escapes the reply text', () => {
    expect(twiml(`Token <A&B> "1" 'x'`)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Token &lt;A&amp;B&gt; &quot;1&quot; &apos;x&apos;</Message></Response>',
    );
  });

  it('answers with an empty Response when there is nothing to say', () => {
    expect(twiml()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(twiml('')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  it('drops characters XML cannot carry instead of failing', () => {
    expect(twiml('a\u0001b\uFFFEc é 😀')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>abc é 😀</Message></Response>');
  });

  it('joins the public URL and a path with one slash', () => {
    expect(webhookUrl('https://clinic.example/', '/api/v1/x')).toBe('https://clinic.example/api/v1/x');
    expect(webhookUrl('https://clinic.example', 'api/v1/x')).toBe('https://clinic.example/api/v1/x');
    expect(webhookUrl('https://clinic.example/app//', '//api')).toBe('https://clinic.example/app/api');
  });
});

describe('the fake Twilio’s webhooks', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());
  afterEach(() => {
    receiver.received.length = 0;
  });

  it('signs status callbacks over the callback URL, as the app can verify', async () => {
    const statusCallbackUrl = `${receiver.url}/status?outbox=1`;
    const { providerId } = await gateway({ statusCallbackUrl }).send({ channel: 'sms', to: PATIENT, body: 'hi' });
    const res = await fake.sendStatusCallback(providerId, 'undelivered', { errorCode: '30003' });

    expect(res.status).toBe(200);
    const [callback] = receiver.received;
    expect(callback?.params).toMatchObject({
      MessageSid: providerId,
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
      AccountSid: fake.accountSid,
      To: PATIENT,
      From: FROM_SMS,
    });
    const signature = callback?.headers['x-twilio-signature'] as string;
    expect(verifyTwilioSignature(fake.authToken, signature, statusCallbackUrl, callback!.params)).toBe(true);
    expect(verifyTwilioSignature(fake.authToken, signature, `${receiver.url}/status`, callback!.params)).toBe(false);
  });

  it('can forge a status callback with the wrong token', async () => {
    const { providerId } = await gateway({ statusCallbackUrl: `${receiver.url}/status` }).send({ channel: 'sms', to: PATIENT, body: 'hi' });
    await fake.sendStatusCallback(providerId, 'delivered', { signWith: 'not-the-token' });

    const [callback] = receiver.received;
    expect(callback?.params.ErrorCode).toBeUndefined();
    expect(verifyTwilioSignature(fake.authToken, callback?.headers['x-twilio-signature'] as string, `${receiver.url}/status`, callback!.params)).toBe(false);
  });

  it('signs inbound WhatsApp messages over the public URL even when a proxy delivers them elsewhere', async () => {
    const publicUrl = 'https://clinic.example/api/v1/notifications/twilio/inbound';
    const postTo = `${receiver.url}/inbound`;
    await fake.sendInbound(publicUrl, PATIENT, 'Cancel', { whatsapp: true, postTo, buttonPayload: 'cancel' });

    const [inbound] = receiver.received;
    expect(inbound?.params).toMatchObject({
      From: `whatsapp:${PATIENT}`,
      To: 'whatsapp:+15005550006',
      Body: 'Cancel',
      NumMedia: '0',
      ButtonPayload: 'cancel',
      AccountSid: fake.accountSid,
    });
    expect(inbound?.params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
    const signature = inbound?.headers['x-twilio-signature'] as string;
    expect(verifyTwilioSignature(fake.authToken, signature, publicUrl, inbound!.params)).toBe(true);
    expect(verifyTwilioSignature(fake.authToken, signature, postTo, inbound!.params)).toBe(false);
  });

  it('sends inbound SMS without prefixes, and forges them on request', async () => {
    const url = `${receiver.url}/inbound`;
    await fake.sendInbound(url, PATIENT, 'STATUS');
    await fake.sendInbound(url, PATIENT, 'STATUS', { signWith: 'not-the-token' });

    const [genuine, forged] = receiver.received;
    expect(genuine?.params).toMatchObject({ From: PATIENT, Body: 'STATUS' });
    expect(genuine?.params.ButtonPayload).toBeUndefined();
    expect(verifyTwilioSignature(fake.authToken, genuine?.headers['x-twilio-signature'] as string, url, genuine!.params)).toBe(true);
    expect(verifyTwilioSignature(fake.authToken, forged?.headers['x-twilio-signature'] as string, url, forged!.params)).toBe(false);
  });

  it('waits for messages, and says how many arrived when they do not', async () => {
    const waiting = fake.waitForMessages(2, 2000);
    await gateway().send({ channel: 'sms', to: PATIENT, body: 'one' });
    await gateway().send({ channel: 'sms', to: PATIENT, body: 'two' });
    await expect(waiting).resolves.toBeUndefined();
    await expect(fake.waitForMessages(3, 50)).rejects.toThrow('expected 3 messages within 50 ms, got 2');
  });
});
