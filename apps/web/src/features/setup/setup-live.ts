import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

/**
 * One server-sent event stream per page that says "departments or counters changed" (an admin
 * renamed, reordered or deactivated one, on any server instance): the lists reload at once, and so
 * do the boards (they name their department); "a board's ticker or fade time changed": the boards
 * reload. Shared by every component that shows them, opened while at least one is mounted.
 */
let source: EventSource | undefined;
let users = 0;
const clients = new Set<QueryClient>();

/** The board's query key's first part (screens/display/board.ts). */
const BOARD_KEY = ['board'];

function reload(): void {
  for (const client of clients) {
    void client.invalidateQueries({ queryKey: ['departments'] });
    void client.invalidateQueries({ queryKey: ['counters'] });
    void client.invalidateQueries({ queryKey: BOARD_KEY });
  }
}

function reloadBoards(): void {
  for (const client of clients) void client.invalidateQueries({ queryKey: BOARD_KEY });
}

function open(): void {
  if (typeof EventSource === 'undefined') return;
  let dropped = false;
  source = new EventSource('/api/v1/setup/events');
  source.addEventListener('setup', reload);
  source.addEventListener('board', reloadBoards);
  // After a drop the browser reconnects by itself; whatever changed meanwhile was not heard.
  source.addEventListener('ready', () => {
    if (dropped) reload();
    dropped = false;
  });
  source.addEventListener('error', () => {
    dropped = true;
  });
}

export function useSetupChanges(): void {
  const client = useQueryClient();
  useEffect(() => {
    clients.add(client);
    users += 1;
    if (users === 1) open();
    return () => {
      users -= 1;
      if (users === 0) {
        source?.close();
        source = undefined;
        clients.clear();
      }
    };
  }, [client]);
}
