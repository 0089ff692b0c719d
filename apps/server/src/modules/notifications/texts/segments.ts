/**
 * How many SMS parts a text costs, as the carriers count them (3GPP TS 23.038 and 23.040).
 * WhatsApp has no parts; this is for SMS only.
 */

/** The GSM 03.38 default alphabet, one septet each (the escape code 0x1B itself is not a character a text may hold). */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** The default extension table: each is sent as escape + character, two septets. */
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

const GSM_SINGLE = 160;
/** A multipart message gives 7 septets of each part to the concatenation header. */
const GSM_PART = 153;
const UCS2_SINGLE = 70;
const UCS2_PART = 67;

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  /** What the limits count: septets for GSM-7 (an extension character is 2), UTF-16 code units for UCS-2 (an emoji is 2). */
  characters: number;
  segments: number;
}

/**
 * The encoding, size and number of parts of an SMS.
 * An empty text counts as 0 characters and 0 parts: nothing is sent for it (the gateway refuses an empty body),
 * even though a carrier would bill an empty SMS as one part.
 */
export function smsSegments(text: string): SmsSegments {
  const gsmUnits = gsmSeptets(text);
  // Code units, not code points: a surrogate pair (emoji) takes two 16-bit slots in UCS-2/UTF-16.
  const units = gsmUnits ?? [...text].map((char) => char.length);
  const encoding: SmsEncoding = gsmUnits ? 'GSM-7' : 'UCS-2';
  const characters = units.reduce((sum, size) => sum + size, 0);
  const [single, part] = gsmUnits ? [GSM_SINGLE, GSM_PART] : [UCS2_SINGLE, UCS2_PART];
  return { encoding, characters, segments: countParts(units, characters, single, part) };
}

/** The septets of each character, or null when any character is outside GSM-7. */
function gsmSeptets(text: string): number[] | null {
  const septets: number[] = [];
  for (const char of text) {
    if (GSM_BASIC.has(char)) septets.push(1);
    else if (GSM_EXTENSION.has(char)) septets.push(2);
    else return null;
  }
  return septets;
}

/**
 * Packs characters into parts. An escape pair or a surrogate pair is never split across two parts
 * (phones would show garbage), so a part may carry one unit less than its size.
 */
function countParts(units: number[], total: number, single: number, part: number): number {
  if (total === 0) return 0;
  if (total <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const size of units) {
    if (used + size > part) {
      parts++;
      used = 0;
    }
    used += size;
  }
  return parts;
}
