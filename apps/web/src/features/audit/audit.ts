import type { AuditExportQuery, AuditFilter, AuditPage, Problem } from '@smart-token/contracts';
import { useInfiniteQuery } from '@tanstack/react-query';
import { ApiError, get } from '../../lib/api';

/** Every listing is recorded in the trail (audit.viewed): the list is read when asked for, not on focus or a timer. */
export const auditKeys = { all: ['audit'] as const, list: (filter: AuditFilter) => ['audit', 'list', filter] as const };

export function auditQueryString(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, value);
  return search.toString();
}

/** The trail, newest first, a page at a time ("Load more" asks for the next). */
export function useAuditTrail(filter: AuditFilter) {
  return useInfiniteQuery({
    queryKey: auditKeys.list(filter),
    queryFn: ({ pageParam }) => get<AuditPage>(`/admin/audit?${auditQueryString({ ...filter, cursor: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
}

/** What the export's `x-audit-verification` header says, read into parts. */
export type ExportVerification =
  | { ok: true; entries: number; checkpoints: number; raw: string }
  | { ok: false; seq: number; kind: string; entries: number; raw: string };

export function parseVerification(raw: string): ExportVerification | undefined {
  const [state, ...pairs] = raw.split(';').map((part) => part.trim());
  const values = Object.fromEntries(pairs.map((pair) => pair.split('=') as [string, string]));
  if (state === 'whole') return { ok: true, entries: Number(values.entries), checkpoints: Number(values.checkpoints), raw };
  if (state === 'broken') return { ok: false, seq: Number(values.seq), kind: values.kind ?? '', entries: Number(values.entries), raw };
  return undefined;
}

const FILENAME = /filename="([^"]+)"/;

async function fetchExport(path: string): Promise<Response> {
  // A GET needs no CSRF token: the session cookie is enough.
  return fetch(`/api/v1${path}`, { credentials: 'same-origin' });
}

/**
 * Downloads an export of the filtered trail through the browser (the session cookie signs it) and
 * says what the server's verification of the chain found. The file is read whole before it is
 * saved: the header must be read, and an export is capped (AUDIT_EXPORT_MAX_ROWS).
 */
export async function downloadAuditExport(format: AuditExportQuery['format'], filter: AuditFilter): Promise<{ verification: ExportVerification | undefined; filename: string }> {
  const path = `/admin/audit/export?${auditQueryString({ format, ...filter })}`;
  let res = await fetchExport(path);
  if (res.status === 401) {
    // An expired access token: any call through the api client refreshes the session (lib/api); this one is small and not recorded.
    await get('/settings/access');
    res = await fetchExport(path);
  }
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as Partial<Problem>;
    throw new ApiError(res.status, problem.code ?? 'HTTP_ERROR', problem.detail ?? `The server answered ${res.status}.`, problem.errors ?? []);
  }
  const filename = FILENAME.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `audit.${format}`;
  const verification = parseVerification(res.headers.get('x-audit-verification') ?? '');
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken the blob by the next task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
  return { verification, filename };
}
