import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationMessage } from '@smart-token/contracts';
import { DIALECTS } from '../../test/databases.js';
import { startFakeTwilio, type FakeTwilio } from '../../test/fake-twilio.js';
import { ManualClock, nextPhone, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';
import { INBOUND_PATH, STATUS_CALLBACK_PATH } from './gateway.js';
import { signTwilioRequest } from './twilio/twilio-webhook.js';

const FROM_SMS = '+15005550006';
const FROM_WHATSAPP = '+14155238886';
const PUBLIC_URL = 'http://clinic.test';

describe.each(DIALECTS)('patient notifications on %s', (dialect) => {
  let t: TestApp;
  let twilio: FakeTwilio;
  const clock = new ManualClock(Date.parse('2026-03-02T04:30:00Z'));

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    t = await startTestApp(dialect, {
      clock,
      env: {
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_FROM_SMS: FROM_SMS,
        TWILIO_FROM_WHATSAPP: FROM_WHATSAPP,
        TWILIO_API_URL: twilio.url,
        NOTIFICATION_RETRY_BASE_MS: '1000',
        NOTIFICATION_MAX_ATTEMPTS: '3',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await twilio?.close();
  });

  const notifications = () => t.app.services.notifications;
  /** Everything due is sent (the background worker may hold some: wait for it too). */
  async function deliver(): Promise<void> {
    await notifications().worker.drainNow();
    await notifications().worker.stop();
    notifications().worker.start();
  }
  const messagesTo = (phone: string) => twilio.messages.filter((m) => m.to === phone || m.to === `whatsapp:${phone}`);
  async function messagesOf(tokenId: string): Promise<NotificationMessage[]> {
    const res = await t.inject({ method: 'GET', url: `/api/v1/tokens/${tokenId}/messages`, headers: await t.as('receptionist') });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ messages: NotificationMessage[] }>().messages;
  }
  async function issue(departmentId: string, options: { phone?: string; channel?: 'sms' | 'whatsapp' | null; language?: 'en' | 'hi' | 'ar' } = {}) {
    const phone = options.phone ?? nextPhone();
    const channel = options.channel === undefined ? 'sms' : options.channel;
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: await t.as('receptionist'),
      payload: { departmentId, patient: { name: 'Asha Rao', phone, ...(options.language && { language: options.language }) }, ...(channel && { notify: { channel, consent: true } }) },
    });
    expect(res.statusCode, res.body).toBe(201);
    return { ...res.json<{ id: string; number: string; statusUrl: string }>(), phone };
  }
  const callNext = async (counterId: string) =>
    (await t.inject({ method: 'POST', url: `/api/v1/counters/${counterId}/call-next`, headers: await t.as('doctor'), payload: {} })).json<{ token: { id: string } | null }>();
  const act = async (tokenId: string, action: string, payload: object = {}) => {
    const res = await t.inject({ method: 'POST', url: `/api/v1/tokens/${tokenId}/${action}`, headers: await t.as('doctor'), payload });
    expect(res.statusCode, res.body).toBe(200);
  };
  function signed(path: string, params: Record<string, string>, token = twilio.authToken) {
    return {
      method: 'POST' as const,
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(token, `${PUBLIC_URL}${path}`, params) },
      payload: new URLSearchParams(params).toString(),
    };
  }
  async function reply(from: string, body: string, options: { token?: string } = {}) {
    const params = { MessageSid: `SM${'1'.repeat(32)}`, AccountSid: twilio.accountSid, From: from, To: FROM_SMS, Body: body, NumMedia: '0' };
    return t.inject(signed(INBOUND_PATH, params, options.token));
  }
  const replyText = (body: string) => /<Message>([\s\S]*)<\/Message>/.exec(body)?.[1] ?? '';
  const tokenStatus = async (id: string) => (await t.inject({ method: 'GET', url: `/api/v1/tokens/${id}`, headers: await t.as('admin') })).json<{ status: string; history: { action: string; by: string }[] }>();

  it('sends one message per change, each once, through Twilio with the status link, the counter and the new department', async () => {
    const dept = await t.department({ code: 'NTA', name: 'General OPD', counters: 1 });
    const lab = await t.department({ code: 'NTL', name: 'Laboratory', counters: 1 });
    // "Your turn is near" has its own test; here it would come whenever the watch looks.
    for (const id of [dept.id, lab.id]) {
      await t.inject({ method: 'PATCH', url: `/api/v1/departments/${id}/notifications`, headers: await t.as('admin'), payload: { triggers: { approaching: false } } });
    }
    const a = await issue(dept.id);
    await deliver();
    expect(messagesTo(a.phone)).toHaveLength(1);
    const first = messagesTo(a.phone)[0]!;
    expect(first.from).toBe(FROM_SMS);
    expect(first.body).toContain(a.number);
    expect(first.body).toContain(a.statusUrl);
    expect(first.statusCallback).toBe(`${PUBLIC_URL}${STATUS_CALLBACK_PATH}`);

    // A second between changes, as at a real counter, each message sent before the next change (a
    // message still unsent when the visit has ended is dropped: "go to Room 1" after a no-show misleads).
    const later = async () => {
      await deliver();
      clock.advance(1000);
    };
    await callNext(dept.counters[0]!.id);
    await later();
    await act(a.id, 'recall');
    await later();
    await act(a.id, 'transfer', { departmentId: lab.id });
    await later();
    await callNext(lab.counters[0]!.id);
    await later();
    await act(a.id, 'no-show');
    await deliver();
    await deliver();
    const bodies = messagesTo(a.phone).map((m) => m.body);
    expect(bodies).toHaveLength(6);
    expect(bodies[1]).toContain('Room 1');
    expect(bodies[3]).toContain('Laboratory');
    const log = await messagesOf(a.id);
    expect(log.map((m) => m.trigger)).toEqual(['issued', 'called', 'recalled', 'transferred', 'called', 'no_show']);
    expect(log.every((m) => m.state === 'sent' && m.channel === 'sms' && m.attempts === 1)).toBe(true);
    // Nothing more on another pass: each message was sent once.
    await deliver();
    expect(messagesTo(a.phone)).toHaveLength(6);
  });

  it('sends nothing to a patient who did not consent, and cancelling tells one who did', async () => {
    const dept = await t.department({ code: 'NTB', counters: 1 });
    const silent = await issue(dept.id, { channel: null });
    const told = await issue(dept.id, { channel: 'whatsapp' });
    await act(silent.id, 'cancel');
    await act(told.id, 'cancel');
    await deliver();
    expect(messagesTo(silent.phone)).toEqual([]);
    expect(await messagesOf(silent.id)).toEqual([]);
    const whatsapp = messagesTo(told.phone);
    expect(whatsapp.map((m) => [m.to, m.from])).toEqual([
      [`whatsapp:${told.phone}`, `whatsapp:${FROM_WHATSAPP}`],
      [`whatsapp:${told.phone}`, `whatsapp:${FROM_WHATSAPP}`],
    ]);
    expect((await messagesOf(told.id)).map((m) => m.trigger)).toEqual(['issued', 'cancelled']);
  });

  it('sends a visit no more messages than its department allows, counting those sent in the same batch', async () => {
    const dept = await t.department({ code: 'NTM', counters: 1 });
    const limit = await t.inject({ method: 'PATCH', url: `/api/v1/departments/${dept.id}/notifications`, headers: await t.as('admin'), payload: { maxMessagesPerToken: 2, triggers: { approaching: false } } });
    expect(limit.statusCode, limit.body).toBe(200);
    const a = await issue(dept.id);
    // Three messages wait together (issued, called, recalled): the worker claims them as one batch.
    await callNext(dept.counters[0]!.id);
    await act(a.id, 'recall');
    await deliver();
    expect(messagesTo(a.phone)).toHaveLength(2);
    const messages = await messagesOf(a.id);
    expect(messages.map((m) => [m.trigger, m.state])).toEqual([
      ['issued', 'sent'],
      ['called', 'sent'],
      ['recalled', 'skipped'],
    ]);
    expect(messages[2]!.error).toMatch(/limit of 2 messages/);
  });

  it('tells a patient their turn is near once, by position, again after a park, and by minutes', async () => {
    const dept = await t.department({ code: 'NTC', counters: 1 });
    const admin = await t.as('admin');
    const patch = async (body: object) => {
      const res = await t.inject({ method: 'PATCH', url: `/api/v1/departments/${dept.id}/notifications`, headers: admin, payload: body });
      expect(res.statusCode, res.body).toBe(200);
    };
    await patch({ approach: { position: 2, minutes: 1 } });
    const tokens: Awaited<ReturnType<typeof issue>>[] = [];
    for (let i = 0; i < 4; i++) tokens.push(await issue(dept.id));
    const approached = async () => {
      await notifications().sweepApproaching();
      await deliver();
      const seen: string[] = [];
      for (const token of tokens) if ((await messagesOf(token.id)).some((m) => m.trigger === 'approaching')) seen.push(token.number);
      return seen;
    };
    // The first two were already near when issued: their ticket's message says enough.
    expect(await approached()).toEqual([]);
    await callNext(dept.counters[0]!.id);
    expect(await approached()).toEqual([tokens[2]!.number]);
    await callNext(dept.counters[0]!.id);
    expect(await approached()).toEqual([tokens[2]!.number, tokens[3]!.number]);
    expect(await approached()).toEqual([tokens[2]!.number, tokens[3]!.number]);
    const approaching = (await messagesOf(tokens[3]!.id)).filter((m) => m.trigger === 'approaching');
    expect(approaching).toHaveLength(1);

    // Parked and back in the line: due again.
    await callNext(dept.counters[0]!.id);
    await act(tokens[2]!.id, 'park');
    const before = (await messagesOf(tokens[2]!.id)).filter((m) => m.trigger === 'approaching').length;
    await act(tokens[2]!.id, 'transfer', { departmentId: dept.id });
    await notifications().sweepApproaching();
    await deliver();
    expect((await messagesOf(tokens[2]!.id)).filter((m) => m.trigger === 'approaching').length).toBe(before + 1);

    // By minutes: the rule widened to 60 minutes reaches patients further back.
    const later: Awaited<ReturnType<typeof issue>>[] = [];
    await patch({ approach: { position: 1, minutes: 1 } });
    for (let i = 0; i < 3; i++) later.push(await issue(dept.id));
    await notifications().sweepApproaching();
    await deliver();
    const approachedLater = async () => Promise.all(later.map(async (tk) => (await messagesOf(tk.id)).some((m) => m.trigger === 'approaching')));
    expect(await approachedLater()).toEqual([false, false, false]);
    await patch({ approach: { position: 1, minutes: 60 } });
    await notifications().sweepApproaching();
    await deliver();
    expect(await approachedLater()).toEqual([true, true, true]);
    const minutes = (await messagesOf(later[0]!.id)).find((m) => m.trigger === 'approaching')!;
    expect(minutes.body).toMatch(/\d+ min/);
  });

  it('retries a message Twilio refuses with 500 or 429 with backoff, and dead-letters one it refuses for good; an admin can retry it', async () => {
    const dept = await t.department({ code: 'NTD', counters: 1 });
    twilio.failNext(2, 500);
    const a = await issue(dept.id);
    await deliver();
    let [message] = await messagesOf(a.id);
    expect(message).toMatchObject({ state: 'pending', attempts: 1 });
    expect(message!.error).toContain('500');
    // Not before its time: the backoff holds it.
    await deliver();
    expect((await messagesOf(a.id))[0]!.attempts).toBe(1);
    clock.advance(1_300);
    await deliver();
    expect((await messagesOf(a.id))[0]).toMatchObject({ state: 'pending', attempts: 2 });
    clock.advance(2_500);
    await deliver();
    [message] = await messagesOf(a.id);
    expect(message).toMatchObject({ state: 'sent', attempts: 3 });
    expect(messagesTo(a.phone)).toHaveLength(1);

    // 400 (an invalid number): not retried; a dead letter for the admin, with Twilio's reason.
    twilio.failNext(1, 400, { code: 21211 });
    const b = await issue(dept.id);
    await deliver();
    clock.advance(60_000);
    await deliver();
    [message] = await messagesOf(b.id);
    expect(message).toMatchObject({ state: 'dead', attempts: 1 });
    expect(message!.error).toContain('21211');
    expect(message!.error).not.toContain(b.phone.slice(3));
    const admin = await t.as('admin');
    const dead = (await t.inject({ method: 'GET', url: '/api/v1/notifications/messages?state=dead', headers: admin })).json<{ messages: NotificationMessage[] }>();
    expect(dead.messages.map((m) => [m.tokenNumber, m.trigger])).toContainEqual([b.number, 'issued']);
    const retried = await t.inject({ method: 'POST', url: `/api/v1/notifications/messages/${message!.id}/retry`, headers: admin, payload: {} });
    expect(retried.statusCode, retried.body).toBe(200);
    await deliver();
    expect((await messagesOf(b.id))[0]).toMatchObject({ state: 'sent' });
    // Only a dead message can be retried.
    expect(problemOf(await t.inject({ method: 'POST', url: `/api/v1/notifications/messages/${message!.id}/retry`, headers: admin, payload: {} })).status).toBe(409);
  });

  it('a reprinted ticket’s new status link is the one later messages carry', async () => {
    const dept = await t.department({ code: 'NTR', counters: 1 });
    const admin = await t.as('admin');
    const saved = await t.inject({ method: 'PUT', url: '/api/v1/notifications/templates', headers: admin, payload: { departmentId: dept.id, language: 'en', trigger: 'called', body: '{number}: go in, or follow {statusUrl}' } });
    expect(saved.statusCode, saved.body).toBe(200);
    const a = await issue(dept.id);
    const reprinted = await t.inject({ method: 'POST', url: `/api/v1/tokens/${a.id}/reprint`, headers: await t.as('receptionist'), payload: {} });
    expect(reprinted.statusCode, reprinted.body).toBe(200);
    const { statusUrl } = reprinted.json<{ statusUrl: string }>();
    expect(statusUrl).not.toBe(a.statusUrl);
    await callNext(dept.counters[0]!.id);
    await deliver();
    const called = (await messagesOf(a.id)).find((m) => m.trigger === 'called')!;
    expect(called.body).toBe(`${a.number}: go in, or follow ${statusUrl}`);
  });

  it('gives up on a message Twilio keeps answering 429 after the last attempt, as a dead letter saying so', async () => {
    const dept = await t.department({ code: 'NTK', counters: 1 });
    twilio.failNext(3, 429);
    const a = await issue(dept.id);
    for (let attempt = 0; attempt < 3; attempt++) {
      await deliver();
      clock.advance(10 * 60_000);
    }
    const [message] = await messagesOf(a.id);
    expect(message).toMatchObject({ state: 'dead', attempts: 3 });
    expect(message!.error).toMatch(/gave up after 3 attempts.*429/);
    expect(messagesTo(a.phone)).toEqual([]);
  });

  it('refuses a forged webhook with 403 and changes nothing', async () => {
    const dept = await t.department({ code: 'NTE', counters: 1 });
    const a = await issue(dept.id);
    const forged = await reply(a.phone, 'CANCEL', { token: 'not-the-auth-token-at-all' });
    expect(problemOf(forged).status).toBe(403);
    const yes = await reply(a.phone, 'YES', { token: 'not-the-auth-token-at-all' });
    expect(yes.statusCode).toBe(403);
    // Signed over another URL (not the public one): refused too.
    const params = { From: a.phone, Body: 'CANCEL', To: FROM_SMS };
    const elsewhere = await t.inject({
      method: 'POST',
      url: INBOUND_PATH,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(twilio.authToken, `http://127.0.0.1${INBOUND_PATH}`, params) },
      payload: new URLSearchParams(params).toString(),
    });
    expect(elsewhere.statusCode).toBe(403);
    expect((await tokenStatus(a.id)).status).toBe('waiting');
  });

  it('answers STATUS, LATE, CANCEL then YES, through the queue, and a stranger gets a neutral answer', async () => {
    const dept = await t.department({ code: 'NTF', name: 'Eye Clinic', counters: 1 });
    const first = await issue(dept.id);
    const a = await issue(dept.id);
    const status = await reply(a.phone, 'status');
    expect(status.statusCode).toBe(200);
    expect(status.headers['content-type']).toContain('text/xml');
    expect(replyText(status.body)).toContain(a.number);
    expect(replyText(status.body)).toContain('Eye Clinic');

    // LATE: moved back (another patient who comes now goes first), once per visit.
    const late = await reply(a.phone, 'LATE 15');
    expect(replyText(late.body)).toContain('15');
    const b = await issue(dept.id);
    await callNext(dept.counters[0]!.id);
    expect((await tokenStatus(first.id)).status).toBe('called');
    await act(first.id, 'complete');
    const next = await callNext(dept.counters[0]!.id);
    expect(next.token?.id).toBe(b.id);
    await act(b.id, 'complete');
    // Nobody else waits, and A is not due for 15 minutes: nobody is called.
    expect((await callNext(dept.counters[0]!.id)).token).toBeNull();
    clock.advance(15 * 60_000 + 1000);
    expect((await callNext(dept.counters[0]!.id)).token?.id).toBe(a.id);
    const history = (await tokenStatus(a.id)).history;
    expect(history.map((h) => h.by)).toContain('patient by message');
    const again = await reply(a.phone, 'late 10');
    expect(replyText(again.body)).not.toBe(replyText(late.body));
    await act(a.id, 'complete');

    // CANCEL asks first; YES cancels, through the queue (history, live event, trail).
    const c = await issue(dept.id);
    const asked = await reply(c.phone, 'CANCEL');
    expect(replyText(asked.body)).toMatch(/YES/);
    expect((await tokenStatus(c.id)).status).toBe('waiting');
    await reply(c.phone, 'yes');
    expect((await tokenStatus(c.id)).status).toBe('cancelled');

    // A number we do not know, and one with no visit today, get the same words as each other.
    const stranger = replyText((await reply(nextPhone(), 'STATUS')).body);
    const finished = replyText((await reply(a.phone, 'STATUS')).body);
    expect(stranger).toBe(finished);
    expect(stranger).not.toContain('NTF');
  });

  it('understands replies in Hindi and answers in the patient’s language', async () => {
    const dept = await t.department({ code: 'NTG', counters: 1 });
    const a = await issue(dept.id, { language: 'hi' });
    const status = replyText((await reply(a.phone, 'स्थिति')).body);
    expect(status).toContain(a.number);
    expect(status).toMatch(/[\u0900-\u097F]/);
    const c = await issue(dept.id, { language: 'ar' });
    expect(replyText((await reply(c.phone, 'إلغاء')).body)).toMatch(/[\u0600-\u06FF]/);
    await reply(c.phone, 'نعم');
    expect((await tokenStatus(c.id)).status).toBe('cancelled');
  });

  it('puts Status, Late and Cancel buttons on the WhatsApp messages a patient can act on, in their language, and a tap acts', async () => {
    const dept = await t.department({ code: 'NTW', counters: 1 });
    await t.inject({ method: 'PATCH', url: `/api/v1/departments/${dept.id}/notifications`, headers: await t.as('admin'), payload: { triggers: { approaching: false } } });
    const first = await issue(dept.id);
    const a = await issue(dept.id, { channel: 'whatsapp', language: 'hi' });
    const b = await issue(dept.id, { channel: 'whatsapp', language: 'hi' });
    await deliver();
    const [issued] = messagesTo(a.phone);
    expect(issued?.buttons?.map((button) => button.id)).toEqual(['STATUS', 'LATE_15', 'CANCEL']);
    expect(issued?.buttons?.map((button) => button.title).join(' ')).toMatch(/[\u0900-\u097F]/);
    // The message itself is inside the template's frame, with its number and link.
    expect(issued?.body).toContain(a.number);
    expect(issued?.body).toContain(a.statusUrl);
    // The template was made once, in Hindi, and the second patient's message used it too.
    expect(twilio.contents.filter((c) => c.language === 'hi')).toHaveLength(1);
    expect(messagesTo(b.phone)[0]?.contentSid).toBe(issued?.contentSid);
    // SMS never carries buttons.
    expect(messagesTo(first.phone)[0]?.contentSid).toBeUndefined();

    // A tap sends the button's title as the text and its id as the payload: the payload is what counts.
    const tap = (phone: string, payload: string, title: string) =>
      t.inject(signed(INBOUND_PATH, { MessageSid: `SM${'2'.repeat(32)}`, AccountSid: twilio.accountSid, From: `whatsapp:${phone}`, To: `whatsapp:${FROM_WHATSAPP}`, Body: title, ButtonText: title, ButtonPayload: payload, NumMedia: '0' }));
    const late = await tap(a.phone, 'LATE_15', '15 मिनट देर');
    expect(replyText(late.body)).toMatch(/[\u0900-\u097F]/);
    expect((await tokenStatus(a.id)).history.map((h) => h.by)).toContain('patient by message');
    // Moved back: B, who came after A, is now called before A.
    await callNext(dept.counters[0]!.id);
    await act(first.id, 'complete');
    expect((await callNext(dept.counters[0]!.id)).token?.id).toBe(b.id);

    // Messages that ask nothing of the patient (called, cancelled) go as plain text.
    await act(b.id, 'complete');
    await tap(a.phone, 'CANCEL', 'रद्द करें');
    await reply(`whatsapp:${a.phone}`, 'हाँ');
    expect((await tokenStatus(a.id)).status).toBe('cancelled');
    await deliver();
    const toA = messagesTo(a.phone);
    expect(toA.length).toBeGreaterThan(1);
    expect(toA.at(-1)?.contentSid).toBeUndefined();
  });

  it('sends WhatsApp messages as plain text when Twilio will not make the buttons template', async () => {
    const dept = await t.department({ code: 'NTX', counters: 1 });
    twilio.refuseContent = true;
    try {
      const a = await issue(dept.id, { channel: 'whatsapp', language: 'ar' });
      await deliver();
      const [issued] = messagesTo(a.phone);
      expect(issued?.contentSid).toBeUndefined();
      expect(issued?.body).toContain(a.number);
      expect((await messagesOf(a.id))[0]).toMatchObject({ trigger: 'issued', state: 'sent' });
    } finally {
      twilio.refuseContent = false;
    }
  });

  it('honours STOP at once and START again, for that number', async () => {
    const dept = await t.department({ code: 'NTH', counters: 1 });
    const a = await issue(dept.id);
    await deliver();
    expect(messagesTo(a.phone)).toHaveLength(1);
    await reply(a.phone, 'STOP');
    await callNext(dept.counters[0]!.id);
    await deliver();
    expect(messagesTo(a.phone)).toHaveLength(1);
    const log = await messagesOf(a.id);
    expect(log.at(-1)).toMatchObject({ trigger: 'called', state: 'skipped' });
    expect(log.at(-1)!.error).toContain('STOP');
    await reply(a.phone, 'START');
    await act(a.id, 'recall');
    await deliver();
    expect(messagesTo(a.phone)).toHaveLength(2);
  });

  it('follows delivery receipts, and sends a failed WhatsApp again by SMS', async () => {
    const dept = await t.department({ code: 'NTI', counters: 1 });
    const a = await issue(dept.id, { channel: 'whatsapp' });
    await deliver();
    const sid = messagesTo(a.phone)[0]!.sid;
    const receipt = (status: string, token?: string) => t.inject(signed(STATUS_CALLBACK_PATH, { MessageSid: sid, MessageStatus: status, AccountSid: twilio.accountSid, ...(status === 'failed' && { ErrorCode: '63016' }) }, token));
    expect((await receipt('delivered', 'forged-token-forged-token')).statusCode).toBe(403);
    expect((await messagesOf(a.id))[0]!.state).toBe('sent');
    expect((await receipt('failed')).statusCode).toBe(204);
    const [failed] = await messagesOf(a.id);
    expect(failed).toMatchObject({ state: 'failed', channel: 'whatsapp' });
    expect(failed!.error).toContain('63016');
    await deliver();
    const sms = messagesTo(a.phone).filter((m) => m.to === a.phone);
    expect(sms).toHaveLength(1);
    expect(sms[0]!.from).toBe(FROM_SMS);
    // A late 'sent' never moves a delivered message back.
    const smsSid = sms[0]!.sid;
    await t.inject(signed(STATUS_CALLBACK_PATH, { MessageSid: smsSid, MessageStatus: 'delivered' }));
    await t.inject(signed(STATUS_CALLBACK_PATH, { MessageSid: smsSid, MessageStatus: 'sent' }));
    expect((await messagesOf(a.id)).map((m) => [m.channel, m.state])).toEqual([
      ['whatsapp', 'failed'],
      ['sms', 'delivered'],
    ]);
  });

  it('validates templates on save, previews them with SMS parts, and sends a test message', async () => {
    const admin = await t.as('admin');
    const bad = await t.inject({ method: 'PUT', url: '/api/v1/notifications/templates', headers: admin, payload: { departmentId: null, language: 'en', trigger: 'called', body: '{number}: go to {room}' } });
    const problem = problemOf(bad);
    expect(problem.status).toBe(400);
    expect(problem.errors?.[0]).toMatchObject({ path: 'body' });
    expect(problem.detail).toContain('{room}');
    const saved = await t.inject({ method: 'PUT', url: '/api/v1/notifications/templates', headers: admin, payload: { departmentId: null, language: 'en', trigger: 'called', body: '{number}: please go to {counter}' } });
    expect(saved.statusCode, saved.body).toBe(200);
    const preview = await t.inject({ method: 'POST', url: '/api/v1/notifications/templates/preview', headers: admin, payload: { language: 'en', trigger: 'called', body: '{number}: please go to {counter}' } });
    expect(preview.json()).toMatchObject({ text: 'OPD-042: please go to Room 3', encoding: 'GSM-7', segments: 1 });
    const phone = nextPhone();
    const test = await t.inject({ method: 'POST', url: '/api/v1/notifications/test', headers: admin, payload: { channel: 'sms', to: phone, language: 'en', trigger: 'called' } });
    expect(test.statusCode, test.body).toBe(202);
    expect(test.json<{ message: NotificationMessage }>().message.state).toBe('sent');
    expect(messagesTo(phone).map((m) => m.body)).toEqual(['OPD-042: please go to Room 3']);
    // A receptionist may not change templates.
    expect((await t.inject({ method: 'GET', url: '/api/v1/notifications/templates', headers: await t.as('receptionist') })).statusCode).toBe(403);
    const reverted = await t.inject({ method: 'DELETE', url: '/api/v1/notifications/templates/called/en', headers: admin });
    expect(reverted.statusCode).toBe(204);
    // Both changes are in the audit trail, by the admin.
    await t.app.services.audit.settle();
    const entries = await t.app.database.db
      .selectFrom('audit_entries')
      .select(['action', 'actor_kind'])
      .where('type', '=', 'admin.settings.updated')
      .where('subject_id', '=', 'template.clinic.en.called')
      .orderBy('seq')
      .execute();
    expect(entries.map((e) => [e.action, e.actor_kind])).toEqual([
      ['notifications.template', 'user'],
      ['notifications.template.reverted', 'user'],
    ]);
  });
});
