import type { Language } from '@smart-token/contracts';

/** What a patient's reply asks for. `language` is the language the command word was written in. */
export type InboundCommand =
  | { kind: 'status' | 'cancel' | 'yes' | 'no' | 'stop' | 'start' | 'help'; language?: Language }
  | { kind: 'late'; minutes: number; language?: Language }
  | { kind: 'unknown'; language?: Language };

type WordKind = Exclude<InboundCommand['kind'], 'late' | 'unknown'>;

/** The payloads our WhatsApp quick-reply buttons send; they do not depend on the button's language. */
export const QUICK_REPLY_PAYLOADS = { status: 'STATUS', late: 'LATE_15', cancel: 'CANCEL' } as const;

export const LATE_DEFAULT_MINUTES = 15;
export const LATE_MIN_MINUTES = 5;
export const LATE_MAX_MINUTES = 60;

/**
 * Whole-message keywords. The message must be exactly one of these (after normalising), so that
 * "I will cancel tomorrow" or "stop by later" never acts; that is also how carriers match STOP.
 * The English opt-out words are Twilio's, except CANCEL: here it cancels the token (after a YES).
 */
const WORDS: Record<WordKind, Record<Language, readonly string[]>> = {
  status: { en: ['status'], hi: ['स्थिति'], ar: ['حالة'] },
  cancel: { en: ['cancel'], hi: ['रद्द'], ar: ['إلغاء', 'الغاء'] },
  yes: { en: ['yes', 'y'], hi: ['हाँ', 'हां'], ar: ['نعم'] },
  no: { en: ['no', 'n'], hi: ['नहीं'], ar: ['لا'] },
  stop: { en: ['stop', 'stopall', 'unsubscribe', 'end', 'quit', 'revoke', 'optout'], hi: ['रोकें', 'बंद'], ar: ['توقف', 'إيقاف'] },
  start: { en: ['start', 'unstop', 'subscribe'], hi: ['शुरू'], ar: ['ابدأ'] },
  help: { en: ['help', 'info'], hi: ['मदद'], ar: ['مساعدة'] },
};
/** LATE, optionally followed by minutes and a unit: "LATE", "late 20", "देर १५ मिनट", "تأخير ١٥ دقيقة". */
const LATE_WORDS: Record<Language, readonly string[]> = { en: ['late'], hi: ['देर', 'der'], ar: ['تأخير'] };
const MINUTE_UNITS = ['m', 'min', 'mins', 'minute', 'minutes', 'मिनट', 'دقيقة', 'دقائق'];

/** Zero-width joiners and direction marks that phone keyboards slip into Hindi and Arabic text. */
const INVISIBLES = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** Arabic short vowels, superscript alef and tatweel: optional in writing, so ignored. */
const ARABIC_MARKS = /[\u064b-\u065f\u0670\u0640]/g;
/** Devanagari, Arabic-Indic and Persian digit blocks, each starting at its zero. */
const DIGIT_ZEROS = [0x0966, 0x0660, 0x06f0];

function asciiDigits(text: string): string {
  return text.replace(/[\u0966-\u096f\u0660-\u0669\u06f0-\u06f9]/g, (digit) => {
    const code = digit.charCodeAt(0);
    const zero = DIGIT_ZEROS.find((start) => code >= start && code <= start + 9) ?? code;
    return String(code - zero);
  });
}

/** One spelling per word: case, spacing, trailing punctuation and the usual Hindi/Arabic spelling variants ignored. */
function normalise(text: string): string {
  const folded = asciiDigits(
    text
      .normalize('NFKC')
      .replace(INVISIBLES, '')
      .replace(ARABIC_MARKS, '')
      .replace(/[أإآٱ]/g, 'ا')
      .replace(/ة/g, 'ه')
      .replace(/ى/g, 'ي')
      // Chandrabindu and anusvara are written interchangeably (हाँ / हां).
      .replace(/\u0901/g, '\u0902'),
  ).toLowerCase();
  return folded.replace(/\s+/g, ' ').replace(/[\s\p{P}]+$/u, '').trim();
}

const WORD_LOOKUP = new Map<string, { kind: WordKind; language: Language }>();
for (const [kind, byLanguage] of Object.entries(WORDS) as [WordKind, Record<Language, readonly string[]>][]) {
  for (const [language, words] of Object.entries(byLanguage) as [Language, readonly string[]][]) {
    for (const word of words) WORD_LOOKUP.set(normalise(word), { kind, language });
  }
}
const LATE_LOOKUP = new Map<string, Language>();
for (const [language, words] of Object.entries(LATE_WORDS) as [Language, readonly string[]][]) {
  for (const word of words) LATE_LOOKUP.set(normalise(word), language);
}
const UNITS = new Set(MINUTE_UNITS.map(normalise));

/** A word, then optionally digits (attached or not) and a unit word (Devanagari vowel signs are marks, not letters). */
const LATE_SHAPE = /^(\D+?) ?(?:(\d+) ?([\p{L}\p{M}]+)?)?$/u;

function clampMinutes(minutes: number): number {
  return Math.min(LATE_MAX_MINUTES, Math.max(LATE_MIN_MINUTES, minutes));
}

function parseText(text: string): InboundCommand {
  const normalised = normalise(text);
  const word = WORD_LOOKUP.get(normalised);
  if (word) return { kind: word.kind, language: word.language };

  const late = LATE_SHAPE.exec(normalised);
  const lateLanguage = late ? LATE_LOOKUP.get(late[1] ?? '') : undefined;
  if (late && lateLanguage) {
    const [, , digits, unit] = late;
    if (unit === undefined || UNITS.has(unit)) {
      const minutes = digits === undefined ? LATE_DEFAULT_MINUTES : clampMinutes(Number(digits));
      return { kind: 'late', minutes, language: lateLanguage };
    }
  }
  return { kind: 'unknown' };
}

function parsePayload(payload: string): InboundCommand | null {
  switch (payload.trim().toUpperCase()) {
    case QUICK_REPLY_PAYLOADS.status:
      return { kind: 'status' };
    case QUICK_REPLY_PAYLOADS.late:
      return { kind: 'late', minutes: LATE_DEFAULT_MINUTES };
    case QUICK_REPLY_PAYLOADS.cancel:
      return { kind: 'cancel' };
    default:
      return null;
  }
}

/**
 * Reads a patient's SMS or WhatsApp reply. A quick-reply button's payload wins over its text; the text
 * still tells the language when it is one of our words (the button's label, in the patient's language).
 */
export function parseInbound(text: string, buttonPayload?: string): InboundCommand {
  const fromText = parseText(text);
  const fromButton = buttonPayload === undefined ? null : parsePayload(buttonPayload);
  if (!fromButton) return fromText;
  return fromText.language ? { ...fromButton, language: fromText.language } : fromButton;
}
