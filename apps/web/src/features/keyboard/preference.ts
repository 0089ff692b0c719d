import { useSyncExternalStore } from 'react';

/**
 * Whether shortcuts of a single character key (N, R, Shift+N …) fire. WCAG 2.1.4 asks that a user
 * can turn them off: speech input and a stray key press would otherwise act on a patient. Shortcuts
 * with Alt are not character keys and stay on. Remembered per browser; on until turned off.
 */
const STORAGE_KEY = 'smart-token.characterKeyShortcuts';
const OFF = 'off';

function stored(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) !== OFF;
  } catch {
    return true;
  }
}

let enabled = stored();
const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab of this browser changed it: follow.
  const onStorage = (event: StorageEvent) => {
    if (event.key !== STORAGE_KEY) return;
    enabled = stored();
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export const characterKeyShortcutsEnabled = (): boolean => enabled;

export function setCharacterKeyShortcuts(on: boolean): void {
  enabled = on;
  try {
    if (on) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, OFF);
  } catch {
    // Storage refused: the choice holds for this page only.
  }
  notify();
}

export function useCharacterKeyShortcuts(): boolean {
  return useSyncExternalStore(subscribe, characterKeyShortcutsEnabled);
}

/** A shortcut of one character key, maybe with Shift (`N`, `Shift+N`); not `Alt+N`, not `Enter`. */
export function isCharacterKey(keys: string): boolean {
  const parts = keys.split('+');
  const key = parts.at(-1) ?? '';
  return key.length === 1 && parts.slice(0, -1).every((modifier) => modifier === 'Shift');
}

/**
 * The keys to show and announce (`aria-keyshortcuts`) for a shortcut, or undefined while it does
 * nothing: a screen must not advertise a key that is turned off.
 */
export function useShortcutKeys(): (keys: string) => string | undefined {
  const on = useCharacterKeyShortcuts();
  return (keys) => (on || !isCharacterKey(keys) ? keys : undefined);
}
