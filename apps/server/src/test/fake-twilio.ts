import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signTwilioRequest } from '../modules/notifications/twilio/twilio-webhook.js';

/** The part of Twilio's REST API and webhooks the app uses, on 127.0.0.1, for tests. */
export interface FakeTwilio {
  /** Base URL: give it to the gateway as `apiUrl`. */
  url: string;
  accountSid: string;
  authToken: string;
  /** Messages Twilio accepted, oldest first. */
  messages: FakeMessage[];
  /** Content templates made through the Content API, oldest first. */
  contents: FakeContent[];
  /** While true, the Content API answers 403 (an account without it). */
  refuseContent: boolean;
  /** Every create request received, accepted or not. */
  readonly attempts: number;
  /** The next `count` create requests fail with `status` (429 with Retry-After when `retryAfterSeconds`). */
  failNext(count: number, status: 500 | 429 | 400, options?: { retryAfterSeconds?: number; code?: number }): void;
  /** Forgets the failures still queued: Twilio is back. */
  stopFailing(): void;
  waitForMessages(n: number, timeoutMs?: number): Promise<void>;
  /** Posts a delivery receipt to the message's StatusCallback, signed like Twilio's. */
  sendStatusCallback(sid: string, status: DeliveryStatus, options?: { errorCode?: string; signWith?: string }): Promise<Response>;
  /**
   * Posts an inbound message, signed over `appUrl` (the URL Twilio was configured with). `postTo`: where
   * it actually goes when that differs (behind a proxy). `to`: the clinic's number (default a test number).
   */
  sendInbound(appUrl: string, from: string, body: string, options?: InboundOptions): Promise<Response>;
  close(): Promise<void>;
}

export interface FakeMessage {
  sid: string;
  to: string;
  from: string;
  /** The text the patient reads: Body, or the content template's body with its variables filled in. */
  body: string;
  /** Sent as a content template: its SID, and the buttons the patient sees. */
  contentSid?: string;
  buttons?: { id: string; title: string }[];
  statusCallback?: string;
  at: number;
}

export interface FakeContent {
  sid: string;
  friendlyName: string;
  language: string;
  body: string;
  buttons: { id: string; title: string }[];
}

export type DeliveryStatus = 'sent' | 'delivered' | 'undelivered' | 'failed';

export interface InboundOptions {
  whatsapp?: boolean;
  signWith?: string;
  postTo?: string;
  buttonPayload?: string;
  to?: string;
}

interface Failure {
  status: 500 | 429 | 400;
  retryAfterSeconds?: number;
  code?: number;
}

const API_VERSION = '2010-04-01';
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const CONTENT_PATH = '/v1/Content';
// Twilio's magic test number: a valid "our number" for inbound messages.
const DEFAULT_CLINIC_NUMBER = '+15005550006';
const WHATSAPP = 'whatsapp:';

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export async function startFakeTwilio(options: { accountSid?: string; authToken?: string } = {}): Promise<FakeTwilio> {
  const accountSid = options.accountSid ?? sid('AC');
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  const messages: FakeMessage[] = [];
  const contents: FakeContent[] = [];
  const failures: Failure[] = [];
  const waiters = new Set<() => void>();
  let attempts = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => reply(res, 500, twilioError(500, 20500, String(error))));
  });

  const authorized = (req: IncomingMessage) => req.headers.authorization === `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method === 'POST' && pathname === CONTENT_PATH) return createContent(req, res);
    const path = MESSAGES_PATH.exec(pathname);
    if (req.method !== 'POST' || !path) return reply(res, 404, twilioError(404, 20404, 'The requested resource was not found'));
    attempts += 1;
    const form = new URLSearchParams(await readBody(req));

    const failure = failures.shift();
    if (failure) return replyFailure(res, failure, form.get('To') ?? '');

    if (!authorized(req) || path[1] !== accountSid) {
      return reply(res, 401, twilioError(401, 20003, 'Authentication Error - invalid username'));
    }

    const to = form.get('To') ?? '';
    const from = form.get('From') ?? '';
    const contentSid = form.get('ContentSid') ?? undefined;
    const content = contentSid === undefined ? undefined : contents.find((c) => c.sid === contentSid);
    if (contentSid !== undefined && !content) return reply(res, 400, twilioError(400, 21655, 'The ContentSid is Invalid'));
    const body = content ? fillVariables(content.body, form.get('ContentVariables')) : (form.get('Body') ?? '');
    if (!to) return reply(res, 400, twilioError(400, 21604, "A 'To' phone number is required."));
    if (!from) return reply(res, 400, twilioError(400, 21603, "A 'From' phone number is required."));
    if (!body) return reply(res, 400, twilioError(400, 21602, 'Message body is required.'));
    if (to.startsWith(WHATSAPP) !== from.startsWith(WHATSAPP)) {
      return reply(res, 400, twilioError(400, 21910, 'Invalid From and To pair. From and To should be of the same channel'));
    }

    const statusCallback = form.get('StatusCallback') ?? undefined;
    const message: FakeMessage = {
      sid: sid('SM'),
      to,
      from,
      body,
      at: Date.now(),
      ...(statusCallback && { statusCallback }),
      ...(content && { contentSid: content.sid, buttons: content.buttons }),
    };
    messages.push(message);
    for (const wake of waiters) wake();
    reply(res, 201, messageResource(accountSid, message));
  }

  /** Content API: POST /v1/Content with a JSON body; only twilio/quick-reply is understood here. */
  async function createContent(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req)) return reply(res, 401, twilioError(401, 20003, 'Authentication Error - invalid username'));
    if (fake.refuseContent) return reply(res, 403, twilioError(403, 20403, 'Permission denied: the Content API is not enabled for this account'));
    const request = JSON.parse(await readBody(req)) as {
      friendly_name?: string;
      language?: string;
      types?: { 'twilio/quick-reply'?: { body?: string; actions?: { type?: string; title?: string; id?: string }[] } };
    };
    const quickReply = request.types?.['twilio/quick-reply'];
    const actions = quickReply?.actions ?? [];
    if (!request.language || !quickReply?.body || actions.length === 0 || actions.some((a) => a.type !== 'QUICK_REPLY' || !a.title || a.title.length > 20)) {
      return reply(res, 400, twilioError(400, 20001, 'Invalid content: a language, and a twilio/quick-reply body with QUICK_REPLY actions titled in 20 characters at most, are required'));
    }
    const content: FakeContent = {
      sid: sid('HX'),
      friendlyName: request.friendly_name ?? '',
      language: request.language,
      body: quickReply.body,
      buttons: actions.map((a) => ({ id: a.id ?? a.title!, title: a.title! })),
    };
    contents.push(content);
    reply(res, 201, { sid: content.sid, account_sid: accountSid, friendly_name: content.friendlyName, language: content.language, types: request.types, date_created: new Date().toISOString() });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeTwilio = {
    url,
    accountSid,
    authToken,
    messages,
    contents,
    refuseContent: false,
    get attempts() {
      return attempts;
    },

    stopFailing() {
      failures.length = 0;
    },
    failNext(count, status, failureOptions = {}) {
      for (let i = 0; i < count; i += 1) failures.push({ status, ...failureOptions });
    },

    async waitForMessages(n, timeoutMs = 5000) {
      if (messages.length >= n) return;
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          if (messages.length < n) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`the fake Twilio expected ${n} messages within ${timeoutMs} ms, got ${messages.length}`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },

    async sendStatusCallback(messageSid, status, callbackOptions = {}) {
      const message = messages.find((m) => m.sid === messageSid);
      if (!message?.statusCallback) throw new Error(`the fake Twilio has no message ${messageSid} with a StatusCallback`);
      const params: Record<string, string> = {
        AccountSid: accountSid,
        ApiVersion: API_VERSION,
        From: message.from,
        MessageSid: message.sid,
        MessageStatus: status,
        SmsSid: message.sid,
        SmsStatus: status,
        To: message.to,
        ...(callbackOptions.errorCode !== undefined && { ErrorCode: callbackOptions.errorCode }),
      };
      return postSigned(message.statusCallback, message.statusCallback, params, callbackOptions.signWith ?? authToken);
    },

    async sendInbound(appUrl, from, body, inboundOptions = {}) {
      const address = (number: string) => (inboundOptions.whatsapp ? `${WHATSAPP}${number}` : number);
      const messageSid = sid('SM');
      const params: Record<string, string> = {
        AccountSid: accountSid,
        ApiVersion: API_VERSION,
        Body: body,
        From: address(from),
        MessageSid: messageSid,
        NumMedia: '0',
        NumSegments: '1',
        SmsMessageSid: messageSid,
        SmsSid: messageSid,
        SmsStatus: 'received',
        To: address(inboundOptions.to ?? DEFAULT_CLINIC_NUMBER),
        ...(inboundOptions.whatsapp && { WaId: from.replace(/^\+/, '') }),
        ...(inboundOptions.buttonPayload !== undefined && { ButtonPayload: inboundOptions.buttonPayload, ButtonText: body }),
      };
      return postSigned(inboundOptions.postTo ?? appUrl, appUrl, params, inboundOptions.signWith ?? authToken);
    },

    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return fake;
}

/** A content template's `{{1}}`… filled from ContentVariables (a JSON object). */
function fillVariables(body: string, variables: string | null): string {
  const values = variables ? (JSON.parse(variables) as Record<string, string>) : {};
  return body.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}

/** Twilio signs the URL it was configured with; a proxy in between may deliver it elsewhere. */
function postSigned(postTo: string, signedUrl: string, params: Record<string, string>, token: string): Promise<Response> {
  return fetch(postTo, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilioRequest(token, signedUrl, params),
      'user-agent': 'TwilioProxy/1.1',
    },
    body: new URLSearchParams(params).toString(),
  });
}

function replyFailure(res: ServerResponse, failure: Failure, to: string): void {
  if (failure.status === 429) {
    const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
    return reply(res, 429, twilioError(429, failure.code ?? 20429, 'Too Many Requests'), headers);
  }
  if (failure.status === 400) {
    return reply(res, 400, twilioError(400, failure.code ?? 21211, `The 'To' number ${to} is not a valid phone number.`));
  }
  reply(res, 500, twilioError(500, failure.code ?? 20500, 'Internal Server Error'));
}

function twilioError(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function messageResource(accountSid: string, message: FakeMessage) {
  const now = new Date(message.at).toUTCString().replace('GMT', '+0000');
  return {
    account_sid: accountSid,
    api_version: API_VERSION,
    body: message.body,
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: message.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: 'queued',
    subresource_uris: { media: `/${API_VERSION}/Accounts/${accountSid}/Messages/${message.sid}/Media.json` },
    to: message.to,
    uri: `/${API_VERSION}/Accounts/${accountSid}/Messages/${message.sid}.json`,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
