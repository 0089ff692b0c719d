import { useState, useSyncExternalStore } from 'react';
import { Announcer, type SpokenCall } from './announcer';

/** What the board draws of its voice. */
export interface SoundState {
  /** The voice exists (it is made once the board is on screen). */
  ready: boolean;
  /** The browser holds sound back until a key press or a touch. */
  needsUnlock: boolean;
  muted: boolean;
}

/**
 * The board's Announcer as a store React can read while rendering: the Announcer (an audio context,
 * speech) is made when the board starts listening and disposed when it stops, and every change of
 * its state is a new snapshot.
 */
class AnnouncerStore {
  private announcer: Announcer | undefined;
  private readonly listeners = new Set<() => void>();
  private snapshot: SoundState;

  constructor(muted: boolean) {
    this.snapshot = { ready: false, needsUnlock: false, muted };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (!this.announcer) {
      const announcer = new Announcer(() => this.changed());
      announcer.muted = this.snapshot.muted;
      this.announcer = announcer;
      this.changed();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0) return;
      this.announcer?.dispose();
      this.announcer = undefined;
      this.snapshot = { ...this.snapshot, ready: false, needsUnlock: false };
    };
  };

  getSnapshot = (): SoundState => this.snapshot;

  private changed(): void {
    const a = this.announcer;
    const next = { ready: a !== undefined, needsUnlock: a?.needsUnlock ?? false, muted: a?.muted ?? this.snapshot.muted };
    const s = this.snapshot;
    if (next.ready === s.ready && next.needsUnlock === s.needsUnlock && next.muted === s.muted) return;
    this.snapshot = next;
    this.listeners.forEach((listener) => listener());
  }

  announce(call: SpokenCall): void {
    this.announcer?.announce(call);
  }

  /** From a key press or a touch: lets sound play from now on. */
  unlock(): void {
    if (this.announcer?.needsUnlock) void this.announcer.unlock();
  }

  setMuted(muted: boolean): void {
    if (this.announcer) this.announcer.muted = muted;
    else this.snapshot = { ...this.snapshot, muted };
    this.changed();
  }
}

/** The board's voice, starting muted or not (the board's `?sound=` setting, read once). */
export function useAnnouncer(startMuted: boolean): { sound: SoundState; voice: AnnouncerStore } {
  const [voice] = useState(() => new AnnouncerStore(startMuted));
  const sound = useSyncExternalStore(voice.subscribe, voice.getSnapshot);
  return { sound, voice };
}
