import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { ValidationError } from '../errors.js';

/** Phones are kept in E.164; a national number is read in the clinic's default region. */
export function toE164(input: string, defaultRegion: string, path = 'phone'): string {
  const parsed = parsePhoneNumberFromString(input, defaultRegion as CountryCode);
  if (!parsed || !parsed.isPossible()) {
    throw new ValidationError('The phone number is not a valid number.', [{ path, message: 'not a valid phone number' }]);
  }
  return parsed.number;
}

export const lastFour = (e164: string): string => e164.slice(-4);
