import type { Counter, Department } from '@smart-token/contracts';
import { useQuery } from '@tanstack/react-query';
import { get } from '../../lib/api';

export const setupKeys = {
  departments: ['departments'] as const,
  counters: (departmentId?: string) => ['counters', departmentId ?? 'all'] as const,
};

export const useDepartments = () => useQuery({ queryKey: setupKeys.departments, queryFn: () => get<Department[]>('/departments') });

export const useCounters = (departmentId?: string) =>
  useQuery({
    queryKey: setupKeys.counters(departmentId),
    queryFn: () => get<Counter[]>(departmentId ? `/counters?departmentId=${encodeURIComponent(departmentId)}` : '/counters'),
  });
