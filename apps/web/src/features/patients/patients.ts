import type { PatientMatch, PhoneFormat, Token } from '@smart-token/contracts';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { get, post } from '../../lib/api';

export interface PatientSearchResult {
  /** The number as the server stores it (E.164). */
  phone: string;
  matches: PatientMatch[];
  /** Today's tokens of this phone still in a line (waiting, called, serving, parked). */
  active?: Token[];
}

/** Below this many digits a number cannot be a whole phone number, so nobody is looked up. */
const MIN_SEARCH_DIGITS = 6;
const PHONE_CHARS = /^\+?[0-9 ()./-]+$/;
const SEARCH_DEBOUNCE_MS = 300;
/** Long enough to reuse the lookup made at the phone's Enter when the name's Enter issues; short enough to see another desk's token. */
const SEARCH_FRESH_MS = 5_000;

export const isSearchablePhone = (phone: string): boolean => PHONE_CHARS.test(phone.trim()) && phone.replace(/\D/g, '').length >= MIN_SEARCH_DIGITS;

/** The phone stays in memory and in the POST body, never in a URL. */
export const patientKeys = {
  all: ['patients'] as const,
  search: (phone: string) => ['patients', 'search', phone.trim()] as const,
  phoneFormat: ['patients', 'phone-format'] as const,
};

export const searchPatients = (phone: string) => post<PatientSearchResult>('/patients/search', { phone: phone.trim() });

export const patientSearchQuery = (phone: string) => ({
  queryKey: patientKeys.search(phone),
  queryFn: () => searchPatients(phone),
  staleTime: SEARCH_FRESH_MS,
  retry: false,
});

/** Looks the phone up as the receptionist types, once they pause. */
export function usePatientSearch(phone: string) {
  const [settled, setSettled] = useState(phone);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(phone), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [phone]);
  return useQuery({ ...patientSearchQuery(settled), enabled: isSearchablePhone(settled) && settled === phone });
}

/** The clinic's phone region and an example number in it, for error messages and hints (it never changes while running). */
export const usePhoneFormat = () =>
  useQuery({ queryKey: patientKeys.phoneFormat, queryFn: () => get<PhoneFormat>('/patients/phone-format'), staleTime: Infinity, retry: false });
