import { useQuery } from '@tanstack/react-query';
import { get } from '../../lib/api';

/** The clinic's name and logo (`GET /public/branding`), for the board's header. */
export interface Branding {
  clinicName: string;
  logoUrl: string | null;
}

const BRANDING_REFRESH_MS = 10 * 60_000;

/**
 * The clinic's branding, or undefined while it is loading or when the server has none to give (an
 * older server without the endpoint): the board then shows the department alone.
 */
export function useBranding(): Branding | undefined {
  const query = useQuery({
    queryKey: ['branding'],
    queryFn: async () => {
      const b = await get<Partial<Branding>>('/public/branding');
      return { clinicName: typeof b.clinicName === 'string' ? b.clinicName : '', logoUrl: typeof b.logoUrl === 'string' && b.logoUrl.startsWith('/') ? b.logoUrl : null };
    },
    retry: false,
    staleTime: BRANDING_REFRESH_MS,
    refetchInterval: BRANDING_REFRESH_MS,
  });
  return query.data;
}
