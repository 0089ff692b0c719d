import { useEffect, useEffectEvent } from 'react';
import { characterKeyShortcutsEnabled } from './preference';

export interface Shortcut {
  /** KeyboardEvent.code (`KeyN`), so a shortcut works whatever the keyboard's language. */
  code: string;
  alt?: boolean;
  shift?: boolean;
  run: () => void;
  /** A shortcut that is not available now is left to the browser. */
  enabled?: boolean;
}

/** Typing a name or a phone number must never fire a shortcut. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(target.type);
  return false;
}

/**
 * Screen-wide keyboard shortcuts. Plain letters only fire outside text fields; shortcuts with Alt
 * fire everywhere (so Alt+N starts a new patient even from the name field). Nothing fires while a
 * modal dialog is open, and single-key shortcuts (with or without Shift) not at all while the user
 * has turned them off (preference.ts).
 */
export function useShortcuts(shortcuts: Shortcut[]): void {
  const onKeyDown = useEffectEvent((event: KeyboardEvent) => {
    if (event.ctrlKey || event.metaKey || event.repeat || event.defaultPrevented) return;
    // A native <dialog> or a React Aria modal (a role=dialog in an overlay): its own keys only.
    if (document.querySelector('dialog[open], [role="dialog"], [role="alertdialog"]')) return;
    const match = shortcuts.find(
      (s) => s.code === event.code && Boolean(s.alt) === event.altKey && Boolean(s.shift) === event.shiftKey && s.enabled !== false,
    );
    if (!match) return;
    if (!match.alt && (isTyping(event.target) || !characterKeyShortcutsEnabled())) return;
    event.preventDefault();
    match.run();
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent) => onKeyDown(event);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);
}
