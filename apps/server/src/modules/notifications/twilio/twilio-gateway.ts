import type { PatientChannel } from '@smart-token/contracts';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

/** Where the twilio library sends every REST call; rewritten to `apiUrl` so tests can point it at a fake. */
export const TWILIO_API_URL = 'https://api.twilio.com';
const DEFAULT_TIMEOUT_MS = 10_000;
const WHATSAPP_PREFIX = 'whatsapp:';

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
}

export interface OutgoingMessage {
  channel: PatientChannel;
  /** E.164, e.g. +15551234567. */
  to: string;
  body: string;
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

  private rebase(uri: string): string {
    const url = new URL(uri);
    if (url.origin !== TWILIO_API_URL) return uri;
    return `${this.apiUrl.replace(/\/+$/, '')}${url.pathname}${url.search}`;
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

  return {
    async send({ channel, to, body }) {
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
        const message = await client.messages.create({
          to: address(to),
          from: address(from),
          body,
          ...(options.statusCallbackUrl ? { statusCallback: options.statusCallbackUrl } : {}),
        });
        return { providerId: message.sid, status: message.status };
      } catch (error) {
        throw toGatewayError(error);
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
