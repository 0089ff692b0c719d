import type { TodayReport } from '@smart-token/contracts';
import { useQuery } from '@tanstack/react-query';
import { get } from '../../lib/api';

export const reportKeys = { today: ['reports', 'today'] as const };

export const useTodayReport = () => useQuery({ queryKey: reportKeys.today, queryFn: () => get<TodayReport>('/reports/today') });
