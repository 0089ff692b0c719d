import type { PatientMatch } from '@smart-token/contracts';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { post } from '../../lib/api';

export interface PatientSearchResult {
  /** The number as the server stores it (E.164). */
  phone: string;
  matches: PatientMatch[];
}

/** Below this many digits a number cannot be a whole phone number, so nobody is looked up. */
const MIN_SEARCH_DIGITS = 6;
const PHONE_CHARS = /^\+?[0-9 ()./-]+$/;
const SEARCH_DEBOUNCE_MS = 300;

export const isSearchablePhone = (phone: string): boolean => PHONE_CHARS.test(phone.trim()) && phone.replace(/\D/g, '').length >= MIN_SEARCH_DIGITS;

/** The phone stays in memory and in the POST body, never in a URL. */
export const patientKeys = { search: (phone: string) => ['patients', 'search', phone.trim()] as const };

export const searchPatients = (phone: string) => post<PatientSearchResult>('/patients/search', { phone: phone.trim() });

export const patientSearchQuery = (phone: string) => ({
  queryKey: patientKeys.search(phone),
  queryFn: () => searchPatients(phone),
  staleTime: 30_000,
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
