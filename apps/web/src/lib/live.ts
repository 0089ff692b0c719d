import type { DepartmentEvent, LiveClientMessage, PublicStatus } from '@smart-token/contracts';

export type LiveState = 'connecting' | 'open' | 'reconnecting';

export interface LiveHandlers {
  onEvent?: (event: DepartmentEvent) => void;
  onStatus?: (status: PublicStatus, type: string) => void;
  /** The server could not replay what was missed: reload the state from the API. */
  onResync?: (departmentId: string) => void;
  onState?: (state: LiveState) => void;
  /** The server has the department subscription (again): from here on, nothing of it is missed. */
  onSubscribed?: (departmentId: string) => void;
  onError?: (code: string, detail: string) => void;
}

const MAX_BACKOFF_MS = 10_000;

/**
 * One WebSocket for a screen. Staff are recognised by their session cookie. On every reconnect it
 * subscribes again with the last seq it saw, so nothing is missed; a `resync` asks for a reload.
 */
export function connectLive(subscriptions: LiveClientMessage[], handlers: LiveHandlers): { close(): void } {
  const lastSeq = new Map<string, number>();
  let socket: WebSocket | undefined;
  let attempt = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;

  function open(): void {
    handlers.onState?.(attempt === 0 ? 'connecting' : 'reconnecting');
    socket = new WebSocket(url);
    socket.onopen = () => {
      attempt = 0;
      handlers.onState?.('open');
      for (const s of subscriptions) {
        const since = s.action === 'subscribe' && s.topic === 'department' ? lastSeq.get(s.departmentId) : undefined;
        socket?.send(JSON.stringify(since === undefined ? s : { ...s, since }));
      }
    };
    socket.onmessage = (message: MessageEvent<string>) => {
      const data = JSON.parse(message.data) as Record<string, unknown> & { type: string };
      if (data.type === 'subscribed' && data.topic === 'department') {
        const id = data.departmentId as string;
        if (!lastSeq.has(id)) lastSeq.set(id, data.seq as number);
        handlers.onSubscribed?.(id);
      } else if (data.type === 'subscribed' && data.topic === 'status') {
        handlers.onStatus?.(data.status as PublicStatus, 'subscribed');
      } else if (data.type === 'resync') {
        lastSeq.set(data.departmentId as string, data.seq as number);
        handlers.onResync?.(data.departmentId as string);
      } else if (data.type === 'error') {
        handlers.onError?.(data.code as string, data.detail as string);
      } else if (data.topic === 'status') {
        handlers.onStatus?.(data.status as PublicStatus, data.type);
      } else if (data.topic === 'department') {
        const event = data as unknown as DepartmentEvent;
        lastSeq.set(event.departmentId, event.seq);
        handlers.onEvent?.(event);
      }
    };
    socket.onclose = () => {
      if (closed) return;
      handlers.onState?.('reconnecting');
      attempt += 1;
      const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
      timer = setTimeout(open, delay);
    };
  }

  open();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      socket?.close();
    },
  };
}
