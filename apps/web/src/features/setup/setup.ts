import type { Counter, Department } from '@smart-token/contracts';
import { useQuery } from '@tanstack/react-query';
import { get } from '../../lib/api';
import { useSetupChanges } from './setup-live';

export const setupKeys = {
  departments: ['departments'] as const,
  counters: (departmentId?: string) => ['counters', departmentId ?? 'all'] as const,
};

/**
 * Every department (deactivated ones too: filter on `active` where new tokens are made), kept
 * up to date live while the screen is open.
 */
export function useDepartments() {
  useSetupChanges();
  return useQuery({ queryKey: setupKeys.departments, queryFn: () => get<Department[]>('/departments') });
}

/** Counters in the admin's order (`sortOrder`), kept up to date live; deactivated ones have `active: false`. */
export function useCounters(departmentId?: string) {
  useSetupChanges();
  return useQuery({
    queryKey: setupKeys.counters(departmentId),
    queryFn: () => get<Counter[]>(departmentId ? `/counters?departmentId=${encodeURIComponent(departmentId)}` : '/counters'),
  });
}

/** The department's name in the reader's language, where the admin gave one. */
export function departmentName(department: Pick<Department, 'name' | 'names'>, language: string): string {
  const names = department.names as Partial<Record<string, string>> | undefined;
  return names?.[language] ?? department.name;
}
