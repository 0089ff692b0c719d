import { createHash } from 'node:crypto';
import type { PatientChannel } from '@smart-token/contracts';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { ContentCreateRequest } from 'twilio/lib/rest/content/v1/content.js';
import type { QuickReplyTemplate } from '../texts/quick-replies.js';

/** Where the twilio library sends every REST call; rewritten to `apiUrl` so tests can point it at a fake. */
export const TWILIO_API_URL = 'https://api.twilio.com';
const DEFAULT_TIMEOUT_MS = 10_000;
const WHATSAPP_PREFIX = 'whatsapp:';
/** After Twilio refused to make a quick-reply template, messages go as plain text this long before it is asked again. */
const CONTENT_RETRY_MS = 10 * 60_000;
const CONTENT_SID = /^HX[0-9a-fA-F]{32}$/;
/** The example value WhatsApp's review of a template asks for. */
const SAMPLE_MESSAGE = 'GEN-004: your turn is near. About 5-10 min.';

export interface TwilioGatewayOptions {
  accountSid: string;
  authToken: string;
  /** Base URL of Twilio's REST API: `TWILIO_API_URL` in production, a local fake in tests. */
  apiUrl: string;
  fromSms: string | null;
  fromWhatsapp: string | null;
  /** Where Twilio reports delivery (sent, delivered, failed …); null: no receipts. */
  statusCallbackUrl: string | null;
  timeoutMs?: number;
  contentSids?: ContentSidStore;
}

export interface OutgoingMessage {
  channel: PatientChannel;
  /** E.164, e.g. +15551234567. */
  to: string;
  body: string;
  /** WhatsApp: send the body inside this quick-reply template, with its buttons (plain text when it cannot be made). */
  quickReplies?: QuickReplyTemplate;
}

/** Where the SIDs of the content templates made for quick replies are kept, so each is made once per account. */
export interface ContentSidStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, sid: string): Promise<void>;
}

export interface SentMessage {
  /** Twilio's message SID (SM…), the key its status callbacks carry. */
  providerId: string;
  status: string;
}

export interface TwilioGateway {
  send(message: OutgoingMessage): Promise<SentMessage>;
}

/**
 * A message Twilio did not take. `retryable`: the same request may succeed later (rate limit, Twilio
 * trouble, network); otherwise sending it again will fail the same way.
 */
export class GatewayError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  /** Twilio's error code (21211 …) or the network error's (ECONNREFUSED …). */
  readonly code?: string | number;
  readonly status?: number;

  constructor(message: string, details: { retryable: boolean; retryAfterMs?: number; code?: string | number; status?: number }) {
    super(message);
    this.name = 'GatewayError';
    this.retryable = details.retryable;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.code !== undefined) this.code = details.code;
    if (details.status !== undefined) this.status = details.status;
  }
}

interface TwilioResponse {
  statusCode: number;
  body: unknown;
  headers: unknown;
}

/**
 * twilio's own client, with two changes: calls go to `apiUrl`, and any answer other than 2xx becomes a
 * GatewayError here. The library's RestException keeps no response headers, so a 429's Retry-After is
 * only visible at this point.
 */
class ApiUrlRequestClient extends twilio.RequestClient {
  constructor(
    private readonly apiUrl: string,
    timeoutMs: number,
  ) {
    // Our outbox worker owns the backoff; the library retrying 429s itself would hide them from it.
    super({ timeout: timeoutMs, autoRetry: false });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    // logLevel dropped: the library's debug log writes request details to stdout, past our redacting logger.
    const response = await super.request({ ...opts, uri: this.rebase(opts.uri), logLevel: undefined });
    if (response.statusCode < 200 || response.statusCode >= 300) throw errorFromResponse(response);
    return response;
  }

  /** Twilio's hosts (api. for messages, content. for content templates) all go to `apiUrl` when it is another address. */
  private rebase(uri: string): string {
    const url = new URL(uri);
    const base = this.apiUrl.replace(/\/+$/, '');
    if (base === TWILIO_API_URL || url.protocol !== 'https:' || !url.hostname.endsWith('.twilio.com')) return uri;
    return `${base}${url.pathname}${url.search}`;
  }
}

export function createTwilioGateway(options: TwilioGatewayOptions): TwilioGateway {
  const client = twilio(options.accountSid, options.authToken, {
    httpClient: new ApiUrlRequestClient(options.apiUrl, options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    // '' rather than undefined: on a nullish value the library reads TWILIO_EDGE / TWILIO_REGION from
    // process.env and moves the host, and config.ts is the only reader of the environment.
    edge: '',
    region: '',
  });

  const templates = quickReplyTemplates(client, options.contentSids);

  return {
    async send({ channel, to, body, quickReplies }) {
      const from = channel === 'whatsapp' ? options.fromWhatsapp : options.fromSms;
      if (!from) {
        const setting = channel === 'whatsapp' ? 'TWILIO_FROM_WHATSAPP' : 'TWILIO_FROM_SMS';
        throw new GatewayError(`No ${channel === 'whatsapp' ? 'WhatsApp' : 'SMS'} sender is configured: set ${setting}.`, {
          retryable: false,
          code: 'FROM_NOT_CONFIGURED',
        });
      }
      const address = channel === 'whatsapp' ? toWhatsapp : (n: string) => n;
      try {
        const contentSid = channel === 'whatsapp' && quickReplies ? await templates.sidOf(quickReplies) : undefined;
        const message = await client.messages.create({
          to: address(to),
          from: address(from),
          ...(contentSid ? { contentSid, contentVariables: JSON.stringify({ 1: body }) } : { body }),
          ...(options.statusCallbackUrl ? { statusCallback: options.statusCallbackUrl } : {}),
        });
        return { providerId: message.sid, status: message.status };
      } catch (error) {
        throw toGatewayError(error);
      }
    },
  };
}

/**
 * The quick-reply content templates, made through Twilio's Content API the first time each is needed
 * and kept (in `store`, and here) under a key that changes when its text does. When Twilio will not
 * make one (no Content API on the account, a network fault), messages go as plain text for a while:
 * a patient gets the message without buttons rather than late.
 */
function quickReplyTemplates(client: ReturnType<typeof twilio>, store: ContentSidStore | undefined) {
  const made = new Map<string, Promise<string>>();
  const refusedAt = new Map<string, number>();

  async function make(template: QuickReplyTemplate, key: string): Promise<string> {
    const kept = await store?.get(key);
    if (kept) return kept;
    // The Content API takes its JSON as given; the library's typed request names the fields in camelCase.
    const request = {
      friendly_name: `smart_token_quick_reply_${key}`,
      language: template.language,
      variables: { 1: SAMPLE_MESSAGE },
      types: { 'twilio/quick-reply': { body: template.body, actions: template.buttons.map((b) => ({ type: 'QUICK_REPLY', title: b.title, id: b.id })) } },
    } as unknown as ContentCreateRequest;
    const content = await client.content.v1.contents.create(request);
    // Anything else is not a content template Twilio made (a proxy or stand-in that answered blindly): plain text then.
    if (!CONTENT_SID.test(content.sid)) throw new Error(`Twilio answered the Content API with ${JSON.stringify(content.sid)}, not a content SID`);
    await store?.set(key, content.sid);
    return content.sid;
  }

  return {
    async sidOf(template: QuickReplyTemplate): Promise<string | undefined> {
      const key = `${template.language}_${createHash('sha256').update(JSON.stringify([template.body, template.buttons])).digest('hex').slice(0, 12)}`;
      if (Date.now() - (refusedAt.get(key) ?? -Infinity) < CONTENT_RETRY_MS) return undefined;
      let sid = made.get(key);
      if (!sid) made.set(key, (sid = make(template, key)));
      try {
        return await sid;
      } catch {
        made.delete(key);
        refusedAt.set(key, Date.now());
        return undefined;
      }
    },
  };
}

function toWhatsapp(number: string): string {
  return number.startsWith(WHATSAPP_PREFIX) ? number : `${WHATSAPP_PREFIX}${number}`;
}

function errorFromResponse(response: TwilioResponse): GatewayError {
  const { statusCode: status } = response;
  const body = parseBody(response.body);
  const detail = body.message ?? 'no explanation given';
  const retryable = status === 429 || status >= 500;
  const retryAfterMs = status === 429 ? retryAfter(response.headers) : undefined;
  const codeText = body.code === undefined ? '' : `, code ${body.code}`;
  return new GatewayError(`Twilio refused the message (HTTP ${status}${codeText}): ${detail}`, {
    retryable,
    status,
    ...(body.code !== undefined && { code: body.code }),
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  });
}

/** Twilio answers errors as `{ code, message, more_info, status }` (or RFC 9457 `{ code, title, detail }`). */
function parseBody(raw: unknown): { code?: number; message?: string } {
  let body = raw;
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw);
    } catch {
      return {};
    }
  }
  if (typeof body !== 'object' || body === null) return {};
  const fields = body as Record<string, unknown>;
  const message = [fields.message, fields.detail, fields.title].find((value): value is string => typeof value === 'string');
  return {
    ...(typeof fields.code === 'number' && { code: fields.code }),
    ...(message !== undefined && { message }),
  };
}

function retryAfter(headers: unknown): number | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const value = (headers as Record<string, unknown>)['retry-after'];
  const seconds = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/**
 * Transport failures (refused, reset, timed out) are worth another try. The error is rebuilt, never
 * wrapped: axios errors carry the request config, Authorization header and all, into any log.
 */
function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (isAxiosError(error)) {
    const code = error.code ?? 'NETWORK_ERROR';
    return new GatewayError(`Twilio could not be reached (${code}): ${error.message}`, { retryable: true, code });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayError(`The message could not be handed to Twilio: ${message}`, { retryable: false });
}

function isAxiosError(error: unknown): error is Error & { code?: string } {
  return error instanceof Error && (error as { isAxiosError?: unknown }).isAxiosError === true;
}
