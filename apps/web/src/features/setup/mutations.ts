import type {
  Counter,
  CounterOrderBody,
  CreateCounterBody,
  CreateDepartmentBody,
  Department,
  UpdateCounterBody,
  UpdateDepartmentBody,
} from '@smart-token/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, patch, post } from '../../lib/api';
import { setupKeys } from './setup';

const path = (kind: 'departments' | 'counters', id: string) => `/${kind}/${encodeURIComponent(id)}`;

function useInvalidate() {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: setupKeys.departments });
    void client.invalidateQueries({ queryKey: ['counters'] });
  };
}

export function useCreateDepartment() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (body: CreateDepartmentBody) => post<Department>('/departments', body), onSuccess: invalidate });
}

export function useUpdateDepartment() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: ({ id, body }: { id: string; body: UpdateDepartmentBody }) => patch<Department>(path('departments', id), body), onSuccess: invalidate });
}

export function useDeleteDepartment() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (id: string) => api<void>('DELETE', path('departments', id)), onSuccess: invalidate });
}

export function useCreateCounter() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (body: CreateCounterBody) => post<Counter>('/counters', body), onSuccess: invalidate });
}

export function useUpdateCounter() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: ({ id, body }: { id: string; body: UpdateCounterBody }) => patch<Counter>(path('counters', id), body), onSuccess: invalidate });
}

export function useDeleteCounter() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (id: string) => api<void>('DELETE', path('counters', id)), onSuccess: invalidate });
}

export function useOrderCounters() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ departmentId, body }: { departmentId: string; body: CounterOrderBody }) => api<Counter[]>('PUT', `${path('departments', departmentId)}/counter-order`, body),
    onSuccess: invalidate,
  });
}
