import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import { DEFAULT_PASSWORD_POLICY, createPasswordPolicy, generatedPassword } from './password-policy.js';

/** The refusal's field message, or 'accepted'. */
async function verdict(policy: ReturnType<typeof createPasswordPolicy>, password: string, personal: string[] = []): Promise<string> {
  try {
    await policy.assertStrong(password, 'password', personal);
    return 'accepted';
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.errors?.[0]?.message ?? error.message;
  }
}

describe('the password policy (central config: PASSWORD_MIN_LENGTH, PASSWORD_MIN_SCORE)', () => {
  const clinic = createPasswordPolicy(DEFAULT_PASSWORD_POLICY, () => Promise.resolve(['Riverside Medical Centre']));

  it('takes long phrases of unrelated words, spaces included, up to 128 characters', async () => {
    for (const good of ['correct horse battery staple', 'purple monkey dishwasher', 'tulip orbit canyon', `${'kettle lantern '.repeat(8)}🙂`.slice(0, 128)]) {
      expect(await verdict(clinic, good), good).toBe('accepted');
    }
  });

  it('refuses the common passwords and keyboard patterns', async () => {
    for (const weak of ['password123456', 'qwertyuiop123', '123456789012', 'aaaaaaaaaaaaaaaa']) expect(await verdict(clinic, weak), weak).toBe('too easy to guess');
  });

  it('refuses a password made of the clinic’s name, the product’s or the person’s, whatever the filler', async () => {
    for (const weak of ['smarttoken-clinic', 'SmartToken Clinic 2026', 'riverside medical centre', 'RiversideMedical!1']) {
      expect(await verdict(clinic, weak), weak).toBe('too easy to guess');
    }
    expect(await verdict(clinic, 'priya sharma 1990', ['priya@riverside.test', 'Priya Sharma'])).toBe('too easy to guess');
    // The same words among others of the person's own choosing are a phrase, not a context guess.
    expect(await verdict(clinic, 'riverside kettle lantern orbit')).toBe('accepted');
  });

  it('says why in the refusal a person reads', async () => {
    await expect(clinic.assertStrong('smarttoken-clinic', 'newPassword')).rejects.toThrow(/made of your name or email, the clinic’s name or the product’s/);
  });

  it('raises the minimum length when the clinic asks, naming the length', async () => {
    const longer = createPasswordPolicy({ minLength: 20, minScore: 3 });
    expect(await verdict(longer, 'tulip orbit canyon')).toBe('shorter than 20 characters');
    expect(await verdict(longer, 'tulip orbit canyon lake')).toBe('accepted');
  });

  it('asks for the strongest score when PASSWORD_MIN_SCORE is 4', async () => {
    const strict = createPasswordPolicy({ minLength: 12, minScore: 4 });
    // zxcvbn scores this 3 ("safely unguessable"): the default takes it, 4 does not.
    expect(await verdict(createPasswordPolicy(DEFAULT_PASSWORD_POLICY), 'summer garden')).toBe('accepted');
    expect(await verdict(strict, 'summer garden')).toBe('too easy to guess');
  });

  it('generates passwords the policy itself accepts, as long as it asks', async () => {
    for (const minLength of [12, 20, 64]) {
      const settings = { minLength, minScore: 4 };
      const password = generatedPassword(settings);
      expect(password.length).toBeGreaterThanOrEqual(minLength);
      expect(await verdict(createPasswordPolicy(settings), password)).toBe('accepted');
    }
  });
});
