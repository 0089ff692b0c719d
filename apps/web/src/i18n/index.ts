import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { common } from './common';

export const LANGUAGES = [
  { code: 'en', label: 'English', dir: 'ltr' },
  { code: 'hi', label: 'हिन्दी', dir: 'ltr' },
  { code: 'ar', label: 'العربية', dir: 'rtl' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

/** Every catalogue has the same keys in each language; TypeScript checks Hindi and Arabic against English. */
export type Messages<T extends Record<string, string>> = { en: T; hi: { [K in keyof T]: string }; ar: { [K in keyof T]: string } };

const LANGUAGE_KEY = 'smart-token.language';

function applyDirection(code: string): void {
  const lang = LANGUAGES.find((l) => l.code === code) ?? LANGUAGES[0];
  document.documentElement.lang = lang.code;
  document.documentElement.dir = lang.dir;
}

/** Catalogues registered by modules imported before initI18n() ran (i18next has no store until init). */
const pending: [string, Messages<Record<string, string>>][] = [];
let initialised = false;

/** Each screen brings its own namespace of messages, so screens never edit one shared file. */
export function registerMessages<T extends Record<string, string>>(namespace: string, messages: Messages<T>): void {
  if (!initialised) {
    pending.push([namespace, messages]);
    return;
  }
  for (const lang of LANGUAGES) i18next.addResourceBundle(lang.code, namespace, messages[lang.code], true, true);
}

export function setLanguage(code: Language): void {
  localStorage.setItem(LANGUAGE_KEY, code);
  void i18next.changeLanguage(code);
}

export function initI18n(): typeof i18next {
  const saved = localStorage.getItem(LANGUAGE_KEY);
  const initial = LANGUAGES.some((l) => l.code === saved) ? (saved as Language) : 'en';
  void i18next.use(initReactI18next).init({
    lng: initial,
    fallbackLng: 'en',
    defaultNS: 'common',
    ns: ['common'],
    resources: { en: { common: common.en }, hi: { common: common.hi }, ar: { common: common.ar } },
    interpolation: { escapeValue: false },
  });
  initialised = true;
  for (const [namespace, messages] of pending.splice(0)) registerMessages(namespace, messages);
  applyDirection(initial);
  i18next.on('languageChanged', applyDirection);
  return i18next;
}
