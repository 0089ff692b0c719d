import type { Counter, Department } from '@smart-token/contracts';
import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
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

/**
 * The department's name in the screen's language, by its id in `departments` or as given: every
 * screen that names a department (not only admin) shows the admin's Hindi or Arabic name.
 */
export function useDepartmentNames(departments: readonly Pick<Department, 'id' | 'name' | 'names'>[] = []) {
  const { i18n } = useTranslation();
  const language = i18n.language;
  const of = useCallback((department: Pick<Department, 'name' | 'names'>) => departmentName(department, language), [language]);
  const byId = useCallback(
    (id: string) => {
      const department = departments.find((d) => d.id === id);
      return department ? departmentName(department, language) : '';
    },
    [departments, language],
  );
  return { of, byId };
}

/** Where a new token or call may go: deactivated departments and counters take none (the server refuses them too). */
export const activeOnly = <T extends { active: boolean }>(items: readonly T[]): T[] => items.filter((item) => item.active);
