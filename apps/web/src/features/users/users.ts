import type { AccessSettings, CreateStaffUserBody, StaffUserWithDepartments, UserWithDepartments } from '@smart-token/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get, patch, post } from '../../lib/api';

export const userKeys = { all: ['users'] as const, access: ['settings', 'access'] as const };

export const useUsers = () => useQuery({ queryKey: userKeys.all, queryFn: () => get<StaffUserWithDepartments[]>('/users') });

export function useCreateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateStaffUserBody) => post<UserWithDepartments>('/users', body),
    onSuccess: () => void client.invalidateQueries({ queryKey: userKeys.all }),
  });
}

/** Replaces the departments a person works in; effective from their next request. */
export function useSetUserDepartments() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, departmentIds }: { userId: string; departmentIds: string[] }) =>
      patch<UserWithDepartments>(`/users/${encodeURIComponent(userId)}`, { departmentIds }),
    onSuccess: () => void client.invalidateQueries({ queryKey: userKeys.all }),
  });
}

/** Whether receptionists work in every department (the clinic's setting). */
export const useAccessSettings = () => useQuery({ queryKey: userKeys.access, queryFn: () => get<AccessSettings>('/settings/access') });

export function useSetAccessSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: AccessSettings) => api<AccessSettings>('PUT', '/settings/access', body),
    onSuccess: (saved) => client.setQueryData(userKeys.access, saved),
  });
}
