import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { ValidationError } from '../../errors.js';
import { newSecret } from '../../lib/ids.js';

/**
 * The password policy (issue 14; its settings live in config.ts with the rest of the security
 * settings): at least `minLength` characters (12 unless raised), and not easy to guess — zxcvbn's
 * estimate, whose dictionaries hold the common-password lists, must reach `minScore` of 4 (3 is
 * "safely unguessable"), counting the person's own name and email, the clinic's name and the
 * product's as known words. No composition rules and no forced rotation (ASVS 6.2.5, 6.2.10).
 */
export interface PasswordPolicySettings {
  readonly minLength: number;
  readonly minScore: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicySettings = { minLength: 12, minScore: 3 };

/** What anyone here would try first (ASVS 6.2.11: context words). */
const PRODUCT_WORDS = ['smart', 'token', 'smarttoken', 'clinic', 'hospital', 'queue'];

/** zxcvbn's warnings are keys; these are the sentences for them (the rest get only the advice). */
const REASONS: Record<string, string> = {
  topTen: 'It is one of the most used passwords',
  topHundred: 'It is one of the most used passwords',
  common: 'It is on the lists of common passwords',
  similarToCommon: 'It is close to a common password',
  straightRow: 'It is a row of keys on the keyboard',
  keyPattern: 'It is a pattern on the keyboard',
  simpleRepeat: 'It repeats characters',
  extendedRepeat: 'It repeats a group of characters',
  sequences: 'It is a sequence like abc or 123',
  recentYears: 'Recent years are easy to guess',
  dates: 'Dates are easy to guess',
  userInputs: 'It contains your name or email',
  wordByItself: 'A word on its own is easy to guess',
  namesByThemselves: 'Names on their own are easy to guess',
  commonNames: 'Common names are easy to guess',
};

const CONTEXT_ONLY = 'It is made of your name or email, the clinic’s name or the product’s';
/** Longest piece between context words that still counts as filler (a year, `-`, `!1`). */
const FILLER_MAX = 4;

/**
 * Context words joined by a little filler (`smarttoken-clinic`, `Riverside Medical 2026`): the
 * first guesses of anyone who knows where the password is used, whatever zxcvbn's score says.
 */
function madeOfContextWords(password: string, words: readonly string[]): boolean {
  let rest = password.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  const before = rest.length;
  for (const word of [...new Set(words)].sort((x, y) => y.length - x.length)) rest = rest.split(word).join('');
  return rest.length < before && rest.length <= FILLER_MAX;
}

let estimator: Promise<ZxcvbnFactory> | undefined;

/** Loaded on first use: the dictionaries are ~2 MB, and most starts never set a password. */
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]);
    return new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  })();
  return estimator;
}

/** A random password the policy takes (at least 96 bits, and as long as minLength asks), shown once to be changed. */
export const generatedPassword = (settings: PasswordPolicySettings): string => newSecret(Math.max(12, Math.ceil((settings.minLength * 3) / 4)));

/** Refuses (400, naming the field) a password that is too short or easy to guess, with the reason and what to do instead. */
export function createPasswordPolicy(settings: PasswordPolicySettings, contextWords: () => Promise<string[]> = () => Promise.resolve([])) {
  return {
    settings,
    async assertStrong(password: string, field: string, personalWords: string[] = []): Promise<void> {
      if (password.length < settings.minLength) {
        throw new ValidationError(`A password needs at least ${settings.minLength} characters: a phrase of several unrelated words is easiest to remember.`, [
          { path: field, message: `shorter than ${settings.minLength} characters` },
        ]);
      }
      const words = [...personalWords, ...(await contextWords()), ...PRODUCT_WORDS].flatMap((w) => w.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length >= 3);
      const result = (await loadEstimator()).check(password, words);
      const contextOnly = madeOfContextWords(password, words);
      if (result.score >= settings.minScore && !contextOnly) return;
      const reason = contextOnly ? CONTEXT_ONLY : result.feedback.warning ? REASONS[result.feedback.warning] : undefined;
      const why = reason ? `${reason}. ` : '';
      throw new ValidationError(`This password is too easy to guess. ${why}Use a longer phrase of several unrelated words.`, [{ path: field, message: 'too easy to guess' }]);
    },
  };
}

export type PasswordPolicy = ReturnType<typeof createPasswordPolicy>;
