import type { PublicBranding } from '@smart-token/contracts';
import { useQuery } from '@tanstack/react-query';
import { ApiError, get } from '../../lib/api';

/** The admin changes the name or logo seldom: a screen reads it again at most this often. */
const BRANDING_STALE_MS = 5 * 60_000;

export const brandingKey = ['public', 'branding'] as const;

/**
 * The clinic's name, logo and status address, or undefined while unknown: a server without the
 * endpoint (404) or out of reach still prints a ticket, without the clinic's name.
 */
export function useBranding(): { branding: PublicBranding | undefined; settled: boolean } {
  const query = useQuery({
    queryKey: brandingKey,
    queryFn: async () => {
      try {
        return await get<PublicBranding>('/public/branding');
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    staleTime: BRANDING_STALE_MS,
    retry: 1,
  });
  return { branding: query.data ?? undefined, settled: !query.isPending };
}

/** The typed-in status page of the server that made a status link (`https://x/s/key` → `https://x/status`). */
export function statusPageOf(statusUrl: string): string {
  try {
    return new URL('/status', statusUrl).href;
  } catch {
    return `${location.origin}/status`;
  }
}

/** An address as a person types it: without `http://` (a phone's browser adds it). */
export const typedAddress = (url: string): string => url.replace(/^http:\/\//, '').replace(/\/$/, '');
