import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { ValidationError } from '../../errors.js';

/**
 * The central password policy (issue 14): at least 12 characters (the contracts' schema), and not
 * easy to guess — zxcvbn's estimate, whose dictionaries hold the common-password lists, must reach
 * "safely unguessable" (3 of 4), counting the person's own name and email as known words.
 */
export const MIN_PASSWORD_SCORE = 3;

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

let estimator: Promise<ZxcvbnFactory> | undefined;

/** Loaded on first use: the dictionaries are ~2 MB, and most starts never set a password. */
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]);
    return new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  })();
  return estimator;
}

/** Refuses (400, naming `field`) a password that is easy to guess, with zxcvbn's reason and what to do instead. */
export async function assertStrongPassword(password: string, field: string, knownWords: string[] = []): Promise<void> {
  const words = knownWords.flatMap((w) => w.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length >= 3);
  const result = (await loadEstimator()).check(password, words);
  if (result.score >= MIN_PASSWORD_SCORE) return;
  const reason = result.feedback.warning ? REASONS[result.feedback.warning] : undefined;
  const why = reason ? `${reason}. ` : '';
  throw new ValidationError(`This password is too easy to guess. ${why}Use a longer phrase of several unrelated words.`, [{ path: field, message: 'too easy to guess' }]);
}
