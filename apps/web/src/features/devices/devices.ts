import type { CreateDeviceBody, CreatedDevice, Device, JoinCode, PairedDevice, PairingCode } from '@smart-token/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, csrfToken, get, post } from '../../lib/api';

export const deviceKeys = {
  me: ['devices', 'me'] as const,
  list: ['devices', 'list'] as const,
  joinCode: (departmentId: string) => ['departments', departmentId, 'join-code'] as const,
};

/** A paired screen asks this often whether it is still allowed: a revoked one returns to pairing within seconds. */
const DEVICE_CHECK_MS = 5_000;

/**
 * The board or kiosk this browser was paired as (its cookie), or null when it is not paired or was
 * revoked. The answer carries the CSRF token the screen's writes (a kiosk's check-in) send back.
 */
export function useDevice(enabled = true) {
  return useQuery({
    queryKey: deviceKeys.me,
    enabled,
    queryFn: async (): Promise<PairedDevice | null> => {
      try {
        const me = await get<PairedDevice>('/devices/me');
        csrfToken.set(me.csrfToken);
        return me;
      } catch (error) {
        // 401: not paired, or revoked; 403: a staff session is signed in here, not a device.
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
        throw error;
      }
    },
    refetchInterval: (query) => (query.state.data ? DEVICE_CHECK_MS : false),
    refetchIntervalInBackground: true,
    retry: 2,
  });
}

/** Pairs this screen with the code from Admin → Devices; its cookie is set by the server's answer. */
export function usePair() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (pairingCode: string) => post<PairedDevice>('/public/devices/pair', { pairingCode }),
    onSuccess: (paired) => {
      csrfToken.set(paired.csrfToken);
      client.setQueryData(deviceKeys.me, paired);
    },
  });
}

export function useDevices() {
  return useQuery({ queryKey: deviceKeys.list, queryFn: () => get<Device[]>('/devices') });
}

export function useCreateDevice() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateDeviceBody) => post<CreatedDevice>('/devices', body),
    onSuccess: () => void client.invalidateQueries({ queryKey: deviceKeys.list }),
  });
}

export function useRevokeDevice() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (device: Pick<Device, 'id'>) => api<void>('DELETE', `/devices/${encodeURIComponent(device.id)}`),
    onSuccess: () => void client.invalidateQueries({ queryKey: deviceKeys.list }),
  });
}

export function useRenewPairingCode() {
  return useMutation({ mutationFn: (device: Pick<Device, 'id'>) => post<PairingCode>(`/devices/${encodeURIComponent(device.id)}/pairing-code`) });
}

/** The phone join code of a department (admin, reception), for its waiting-area poster. */
export function useJoinCode(departmentId: string | undefined) {
  return useQuery({
    queryKey: deviceKeys.joinCode(departmentId ?? ''),
    enabled: Boolean(departmentId),
    queryFn: () => get<JoinCode>(`/departments/${encodeURIComponent(departmentId!)}/join-code`),
    // Read again when it changes (midnight, or the hour).
    refetchInterval: (query) => (query.state.data ? Math.max(5_000, Date.parse(query.state.data.validUntil) - Date.now() + 1_000) : false),
  });
}
