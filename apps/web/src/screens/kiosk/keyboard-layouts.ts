import type { Language } from '../../i18n';

export type Script = 'latin' | 'devanagari' | 'arabic';

/** Letters for a person's name, row by row, as on the keyboards people know (QWERTY, InScript order, Arabic 101). */
export const LAYOUTS: Record<Script, readonly (readonly string[])[]> = {
  latin: [
    ['Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P'],
    ['A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L'],
    ['Z', 'X', 'C', 'V', 'B', 'N', 'M', '-', "'", '.'],
  ],
  devanagari: [
    ['अ', 'आ', 'इ', 'ई', 'उ', 'ऊ', 'ऋ', 'ए', 'ऐ', 'ओ', 'औ'],
    ['क', 'ख', 'ग', 'घ', 'ङ', 'च', 'छ', 'ज', 'झ', 'ञ', 'ट'],
    ['ठ', 'ड', 'ढ', 'ण', 'त', 'थ', 'द', 'ध', 'न', 'प', 'फ'],
    ['ब', 'भ', 'म', 'य', 'र', 'ल', 'व', 'श', 'ष', 'स', 'ह'],
    ['ा', 'ि', 'ी', 'ु', 'ू', 'ृ', 'े', 'ै', 'ो', 'ौ', '्'],
    ['ं', 'ँ', 'ः', '़', 'क्ष', 'त्र', 'ज्ञ', 'श्र'],
  ],
  arabic: [
    ['ض', 'ص', 'ث', 'ق', 'ف', 'غ', 'ع', 'ه', 'خ', 'ح', 'ج', 'د'],
    ['ش', 'س', 'ي', 'ب', 'ل', 'ا', 'ت', 'ن', 'م', 'ك', 'ط'],
    ['ئ', 'ء', 'ؤ', 'ر', 'ى', 'ة', 'و', 'ز', 'ظ', 'ذ'],
    ['أ', 'إ', 'آ'],
  ],
};

/** The script a language writes names in; every kiosk also offers Latin letters. */
export const SCRIPT_OF: Record<Language, Script> = { en: 'latin', hi: 'devanagari', ar: 'arabic' };

/** The key that switches to a script shows a letter of it. */
export const SCRIPT_SAMPLE: Record<Script, string> = { latin: 'ABC', devanagari: 'अआइ', arabic: 'أبج' };
export const SCRIPT_LANG: Record<Script, string> = { latin: 'en', devanagari: 'hi', arabic: 'ar' };

/** Latin letters are typed as names are written: a capital at the start of each word, small letters after. */
export function typeLetter(name: string, key: string, script: Script): string {
  if (script !== 'latin' || !/^[A-Z]$/.test(key)) return name + key;
  const startsWord = name === '' || /[\s-]$/.test(name);
  return name + (startsWord ? key : key.toLowerCase());
}
