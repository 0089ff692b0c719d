import type { Counter, CreateCounterBody, CreateDepartmentBody, Department, UpdateDepartmentBody } from '@smart-token/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { patch, post } from '../../lib/api';
import { setupKeys } from './setup';

export function useCreateDepartment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateDepartmentBody) => post<Department>('/departments', body),
    onSuccess: () => void client.invalidateQueries({ queryKey: setupKeys.departments }),
  });
}

export function useUpdateDepartment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateDepartmentBody }) => patch<Department>(`/departments/${encodeURIComponent(id)}`, body),
    onSuccess: () => void client.invalidateQueries({ queryKey: setupKeys.departments }),
  });
}

export function useCreateCounter() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateCounterBody) => post<Counter>('/counters', body),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['counters'] }),
  });
}
