import { createHmac } from 'node:crypto';
import twilio from 'twilio';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * True when `signature` (the X-Twilio-Signature header) was made with `authToken` over `url` — the
 * public URL Twilio was given, not the one a proxy hands us — and exactly these form fields.
 */
export function verifyTwilioSignature(authToken: string, signature: string | undefined, url: string, params: Record<string, string>): boolean {
  // An empty token would make a signature anyone can compute.
  if (!signature || !authToken) return false;
  return twilio.validateRequest(authToken, signature, url, params);
}

/** Twilio's signature: HMAC-SHA1, keyed by the auth token, over the URL then each field name and value in name order. */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  const signed = Object.keys(params)
    .sort()
    .reduce((text, name) => text + name + params[name], url);
  return createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
}

/**
 * A TwiML answer to an inbound message: a reply, or nothing. Built by hand rather than with the
 * library's MessagingResponse, which throws on a control character; a webhook must always answer.
 */
export function twiml(message?: string): string {
  if (!message) return `${XML_DECLARATION}<Response/>`;
  return `${XML_DECLARATION}<Response><Message>${escapeXml(message)}</Message></Response>`;
}

/** `publicUrl` + `path` with exactly one slash between them. */
export function webhookUrl(publicUrl: string, path: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// Characters XML 1.0 cannot carry at all, even escaped.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (char) => XML_ENTITIES[char] ?? char);
}
