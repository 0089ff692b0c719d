import { useCallback, useEffect, useEffectEvent, useRef, useState } from 'react';

const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'touchstart', 'input', 'wheel'] as const;

/**
 * Calls `onIdle` after `idleMs` without a touch or key while `active`. For the last `warnMs` it
 * reports the seconds left, so the screen can ask "still there?" before wiping what was typed.
 */
export function useIdleReset(active: boolean, idleMs: number, warnMs: number, onIdle: () => void): { secondsLeft: number | undefined; stillHere: () => void } {
  /** The last touch or key, in ms; set when the watch starts. */
  const last = useRef(0);
  const [secondsLeft, setSecondsLeft] = useState<number>();
  const idle = useEffectEvent(onIdle);

  const stillHere = useCallback(() => {
    last.current = Date.now();
    setSecondsLeft(undefined);
  }, []);

  useEffect(() => {
    if (!active) return;
    last.current = Date.now();
    const touch = () => {
      last.current = Date.now();
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, touch, { capture: true, passive: true });
    const timer = setInterval(() => {
      const left = idleMs - (Date.now() - last.current);
      if (left <= 0) {
        setSecondsLeft(undefined);
        last.current = Date.now();
        idle();
      } else {
        setSecondsLeft(left <= warnMs ? Math.ceil(left / 1000) : undefined);
      }
    }, 250);
    return () => {
      clearInterval(timer);
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, touch, { capture: true });
      setSecondsLeft(undefined);
    };
  }, [active, idleMs, warnMs]);

  return { secondsLeft: active ? secondsLeft : undefined, stillHere };
}
