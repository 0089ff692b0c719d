import type {
  DepartmentNotifications,
  Gateway,
  NotificationMessage,
  NotificationSettings,
  PreviewTemplate,
  SaveTemplate,
  Template,
  TemplatePreview,
  TestMessage,
  UpdateDepartmentNotifications,
  UpdateGateway,
} from '@smart-token/contracts';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, api, get, patch, post } from '../../lib/api';
import { queueKeys } from '../queue/queue';

export const notificationKeys = {
  all: ['notifications'] as const,
  settings: ['notifications', 'settings'] as const,
  templates: ['notifications', 'templates'] as const,
  templatesOf: (departmentId: string | null) => ['notifications', 'templates', departmentId ?? 'clinic'] as const,
  preview: (draft: PreviewTemplate) => ['notifications', 'preview', draft] as const,
  dead: ['notifications', 'messages', 'dead'] as const,
  /** Under the token's own key: a change of the token (a live event) reads its messages again too. */
  token: (tokenId: string) => [...queueKeys.token(tokenId), 'messages'] as const,
};

/** The preview is asked for once the admin pauses typing, not at every key. */
export const PREVIEW_DEBOUNCE_MS = 350;
/** Messages change state (sent → delivered, or dead after retries) with no live event: the lists are read again this often. */
const DEAD_LETTERS_REFRESH_MS = 30_000;
const IN_FLIGHT_REFRESH_MS = 5_000;
/** States the gateway's receipt or a retry may still change. */
const IN_FLIGHT: ReadonlySet<NotificationMessage['state']> = new Set(['pending', 'sending', 'sent']);

const departmentQuery = (departmentId: string | null | undefined) => (departmentId ? `?departmentId=${encodeURIComponent(departmentId)}` : '');

export const useNotificationSettings = () => useQuery({ queryKey: notificationKeys.settings, queryFn: () => get<NotificationSettings>('/notifications/settings') });

export function useSaveGateway() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateGateway) => api<Gateway>('PUT', '/notifications/gateway', body),
    onSuccess: (gateway) => client.setQueryData<NotificationSettings>(notificationKeys.settings, (old) => old && { ...old, gateway }),
    // 409: the server's environment has set the gateway meanwhile; reading it again shows it read-only.
    onError: (error) => {
      if (error instanceof ApiError && error.status === 409) void client.invalidateQueries({ queryKey: notificationKeys.settings });
    },
  });
}

export function useUpdateDepartmentNotifications() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ departmentId, body }: { departmentId: string; body: UpdateDepartmentNotifications }) =>
      patch<DepartmentNotifications>(`/departments/${encodeURIComponent(departmentId)}/notifications`, body),
    onSuccess: (saved) =>
      client.setQueryData<NotificationSettings>(notificationKeys.settings, (old) => old && { ...old, departments: old.departments.map((d) => (d.departmentId === saved.departmentId ? saved : d)) }),
  });
}

/** Every trigger × language of one scope (null: the clinic-wide texts), as the server would send them now. */
export const useTemplates = (departmentId: string | null) =>
  useQuery({
    queryKey: notificationKeys.templatesOf(departmentId),
    queryFn: async () => (await get<{ templates: Template[] }>(`/notifications/templates${departmentQuery(departmentId)}`)).templates,
  });

function useInvalidateTemplates() {
  const client = useQueryClient();
  // A department without a text of its own uses the clinic's: a clinic-wide change shows in every scope.
  return () => void client.invalidateQueries({ queryKey: notificationKeys.templates });
}

export function useSaveTemplate() {
  const invalidate = useInvalidateTemplates();
  return useMutation({ mutationFn: (body: SaveTemplate) => api<Template>('PUT', '/notifications/templates', body), onSuccess: invalidate });
}

/** Back to the built-in text (or, for a department, to the clinic's). */
export function useRevertTemplate() {
  const invalidate = useInvalidateTemplates();
  return useMutation({
    mutationFn: ({ departmentId, trigger, language }: Pick<Template, 'departmentId' | 'trigger' | 'language'>) =>
      api<void>('DELETE', `/notifications/templates/${encodeURIComponent(trigger)}/${encodeURIComponent(language)}${departmentQuery(departmentId)}`),
    onSuccess: invalidate,
  });
}

/** `value`, once it has stayed the same for `delayMs` (a primitive: an object made at each render never settles). */
export function useSettled<T extends string | number | boolean>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/**
 * The draft as a patient would read it (example values), its length, encoding and SMS parts. Asked
 * once typing pauses; the last answer stays on screen while the next is on its way. A refused draft
 * is the query's error (400 VALIDATION_FAILED), and is not asked again until the draft changes.
 */
export function useTemplatePreview(draft: PreviewTemplate) {
  // Compared as text: the caller makes a new draft object at every render.
  const text = JSON.stringify(draft);
  const settledText = useSettled(text, PREVIEW_DEBOUNCE_MS);
  const settled = useMemo(() => JSON.parse(settledText) as PreviewTemplate, [settledText]);
  const typing = settledText !== text;
  const preview = useQuery({
    queryKey: notificationKeys.preview(settled),
    queryFn: () => post<TemplatePreview>('/notifications/templates/preview', settled),
    enabled: settled.body.trim() !== '',
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: Infinity,
  });
  return { preview, typing, settled };
}

/** Sends the effective text of a trigger to one phone now; the answer is the message as queued or sent. */
export function useSendTestMessage() {
  return useMutation({ mutationFn: async (body: TestMessage) => (await post<{ message: NotificationMessage }>('/notifications/test', body)).message });
}

/** Messages that gave up after their retries, newest first. */
export const useDeadLetters = () =>
  useQuery({
    queryKey: notificationKeys.dead,
    queryFn: async () => (await get<{ messages: NotificationMessage[] }>('/notifications/messages?state=dead')).messages,
    refetchInterval: DEAD_LETTERS_REFRESH_MS,
  });

export function useRetryMessage() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (message: Pick<NotificationMessage, 'id'>) => (await post<{ message: NotificationMessage }>(`/notifications/messages/${encodeURIComponent(message.id)}/retry`)).message,
    onSuccess: () => void client.invalidateQueries({ queryKey: notificationKeys.dead }),
  });
}

/** One token's messages, oldest first; read again while any may still change. */
export const useTokenMessages = (tokenId: string | undefined) =>
  useQuery({
    queryKey: notificationKeys.token(tokenId ?? ''),
    queryFn: async () => (await get<{ messages: NotificationMessage[] }>(`/tokens/${encodeURIComponent(tokenId!)}/messages`)).messages,
    enabled: Boolean(tokenId),
    refetchInterval: (query) => (query.state.data?.some((m) => IN_FLIGHT.has(m.state)) ? IN_FLIGHT_REFRESH_MS : false),
  });
