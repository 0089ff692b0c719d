import type { CreateUserBody, StaffUser, User } from '@smart-token/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post } from '../../lib/api';

export const userKeys = { all: ['users'] as const };

export const useUsers = () => useQuery({ queryKey: userKeys.all, queryFn: () => get<StaffUser[]>('/users') });

export function useCreateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUserBody) => post<User>('/users', body),
    onSuccess: () => void client.invalidateQueries({ queryKey: userKeys.all }),
  });
}
