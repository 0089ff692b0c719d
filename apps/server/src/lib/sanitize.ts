import { basename } from 'node:path';
import sanitizeHtmlLibrary from 'sanitize-html';
import { toE164 } from './phone.js';

/**
 * Sanitisers for what leaves the server as markup or names a resource. Free text (a patient's name,
 * a note) is stored as typed and escaped where it is shown (React escapes; the status page sets
 * textContent): these are for the few places that take markup, a file name, an address or an id.
 */

/**
 * Rich text an admin may format (a ticker message, a notice): a small allow-list of tags, links
 * only to http(s) and mailto, no attributes but href (and the rel it is given), no style, no scripts, no event handlers.
 */
export function sanitizeHtml(input: string): string {
  return sanitizeHtmlLibrary(input, {
    allowedTags: ['b', 'strong', 'i', 'em', 'u', 'br', 'p', 'ul', 'ol', 'li', 'a'],
    allowedAttributes: { a: ['href', 'rel'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: { a: sanitizeHtmlLibrary.simpleTransform('a', { rel: 'noopener noreferrer' }) },
  });
}

/** An email address, trimmed and lower-cased; undefined when it is not one (no display names, no lists). */
export function normalizeEmail(input: string): string | undefined {
  const email = input.trim().toLowerCase();
  if (email.length > 254 || !/^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(email)) return undefined;
  return email;
}

/** A phone number in E.164 (`+919812345678`), read in the clinic's region; undefined when it is not a number. */
export function normalizePhone(input: string, defaultRegion: string): string | undefined {
  try {
    return toE164(input, defaultRegion);
  } catch {
    return undefined;
  }
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const MAX_FILENAME_LENGTH = 120;

/**
 * A name safe to write a file under (an upload, an export): no folders (`../`, `C:\`), no control
 * or shell-special characters, no leading dots (hidden files), no Windows device names, not empty.
 */
export function safeFilename(input: string, fallback = 'file'): string {
  const last = basename(input.replace(/\\/g, '/'));
  const cleaned = last
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*;$`'&]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '')
    .slice(0, MAX_FILENAME_LENGTH);
  if (!cleaned || WINDOWS_RESERVED.test(cleaned)) return fallback;
  return cleaned;
}

/** An absolute http(s) URL, normalised; undefined for any other scheme (javascript:, data:, file:) or a URL with credentials. */
export function safeHttpUrl(input: string): string | undefined {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return undefined;
  return url.toString();
}

/** Our ids, as the API hands them out: letters, digits, `_` and `-`, 1–64 characters. */
export function isIdentifier(input: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(input);
}
