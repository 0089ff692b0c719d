import { useSyncExternalStore } from 'react';

export type TicketFormat = 'thermal' | 'a6';
export const TICKET_FORMATS: readonly TicketFormat[] = ['thermal', 'a6'];

/** The printer beside this desk or kiosk is a property of the machine: this browser remembers it. */
const PAPER_KEY = 'smart-token.ticket-paper';
const listeners = new Set<() => void>();
/** The choice when storage refuses it (a locked-down kiosk profile). */
let memory: TicketFormat | undefined;

export const isTicketFormat = (value: unknown): value is TicketFormat => TICKET_FORMATS.includes(value as TicketFormat);

/**
 * This machine's ticket paper: an 80 mm thermal roll unless someone chose A6, either with
 * `PaperChooser` or in the screen's bookmark (`/kiosk?paper=a6`, `/reception?paper=a6`), which is
 * then remembered by this browser.
 */
export function paperFormat(): TicketFormat {
  const asked = new URLSearchParams(location.search).get('paper');
  if (isTicketFormat(asked) && asked !== rememberedFormat()) setPaperFormat(asked);
  return rememberedFormat();
}

/** The choice this browser remembers (no writing: safe while React renders). */
const rememberedFormat = (): TicketFormat => memory ?? readStored() ?? 'thermal';

function readStored(): TicketFormat | undefined {
  try {
    const saved = localStorage.getItem(PAPER_KEY);
    return isTicketFormat(saved) ? saved : undefined;
  } catch {
    return undefined;
  }
}

export function setPaperFormat(format: TicketFormat): void {
  try {
    localStorage.setItem(PAPER_KEY, format);
  } catch {
    // Storage refused: this page still prints on the chosen paper until it reloads.
    memory = format;
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (event: StorageEvent) => event.key === PAPER_KEY && listener();
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** The remembered paper, kept in step across this machine's tabs. */
export function usePaperFormat(): [TicketFormat, (format: TicketFormat) => void] {
  const format = useSyncExternalStore(subscribe, rememberedFormat);
  return [format, setPaperFormat];
}
