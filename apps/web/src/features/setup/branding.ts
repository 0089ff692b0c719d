import type { Branding, BrandingBody, PublicBranding, StatusAddress } from '@smart-token/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get } from '../../lib/api';

export const brandingKeys = { admin: ['branding', 'admin'] as const, public: ['branding', 'public'] as const, statusAddress: ['status-address'] as const };

/** The clinic's name, logo address and status address, for any screen (no login needed). */
export const usePublicBranding = () => useQuery({ queryKey: brandingKeys.public, queryFn: () => get<PublicBranding>('/public/branding'), staleTime: 5 * 60_000 });

export const useBranding = () => useQuery({ queryKey: brandingKeys.admin, queryFn: () => get<Branding>('/settings/branding') });

export const useStatusAddress = () => useQuery({ queryKey: brandingKeys.statusAddress, queryFn: () => get<StatusAddress>('/settings/status-address') });

export function useSaveBranding() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BrandingBody) => api<Branding>('PUT', '/settings/branding', body),
    onSuccess: (saved) => {
      client.setQueryData(brandingKeys.admin, saved);
      void client.invalidateQueries({ queryKey: brandingKeys.public });
    },
  });
}
