/**
 * The board's voice: a chime, then the call spoken in each of the board's languages in turn.
 * Calls from many counters wait in one line, so two announcements never overlap. Speech is the
 * browser's own (offline voices preferred); without speech synthesis the chime alone plays.
 */

export interface SpokenCall {
  key: string;
  /** The sentence for each language, in the order they are spoken. */
  texts: { lang: string; text: string }[];
}

/** Spoken form of a token number: "GEN-004" → "G E N 4", so every voice reads it letter by letter. */
export function spokenNumber(number: string): string {
  return number
    .split('-')
    .map((part) => (/^\d+$/.test(part) ? String(Number(part)) : part.split('').join(' ')))
    .join(', ');
}

const LOCALES: Record<string, string> = { en: 'en-IN', hi: 'hi-IN', ar: 'ar-SA' };
const MAX_WAITING_CALLS = 20;
const CHIME_MS = 1300;
const GAP_MS = 400;
/** Some engines never fire `end`: give each sentence this long per character, at least SPEECH_MIN_MS. */
const SPEECH_MS_PER_CHAR = 120;
const SPEECH_MIN_MS = 4000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type AudioContextCtor = typeof AudioContext;
const AudioCtor: AudioContextCtor | undefined =
  typeof window === 'undefined' ? undefined : (window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioContextCtor }).webkitAudioContext);

export class Announcer {
  private readonly waiting: SpokenCall[] = [];
  private busy = false;
  private context: AudioContext | undefined;
  private disposed = false;
  muted = false;
  readonly speechAvailable = typeof window !== 'undefined' && 'speechSynthesis' in window && 'SpeechSynthesisUtterance' in window;

  constructor(private readonly onChange: () => void = () => undefined) {
    if (AudioCtor) {
      try {
        this.context = new AudioCtor();
        this.context.onstatechange = () => this.onChange();
      } catch {
        this.context = undefined;
      }
    }
    if (this.speechAvailable) speechSynthesis.addEventListener('voiceschanged', this.onChange);
  }

  /** Browsers hold sound back until someone presses a key or touches the screen once. */
  get needsUnlock(): boolean {
    return this.context !== undefined && this.context.state === 'suspended';
  }

  /** Call from a click or key press: lets the chime and the voice play from now on. */
  async unlock(): Promise<void> {
    if (this.speechAvailable) {
      // An empty utterance spoken inside the gesture unlocks later speech in Chrome and Safari.
      const primer = new SpeechSynthesisUtterance('');
      primer.volume = 0;
      speechSynthesis.speak(primer);
    }
    if (this.context?.state === 'suspended') await this.context.resume().catch(() => undefined);
    this.onChange();
  }

  announce(call: SpokenCall): void {
    if (this.disposed || this.muted) return;
    if (this.waiting.some((w) => w.key === call.key)) return;
    if (this.waiting.length >= MAX_WAITING_CALLS) this.waiting.shift();
    this.waiting.push(call);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.waiting.shift(); next && !this.disposed; next = this.waiting.shift()) {
        if (this.muted) continue;
        await this.chime();
        for (const { lang, text } of next.texts) {
          if (this.disposed || this.muted) break;
          await this.say(lang, text);
        }
        await sleep(GAP_MS);
      }
    } finally {
      this.busy = false;
    }
  }

  /** A two-note "ding-dong", made on the spot: no audio file to download or fail to decode. */
  private async chime(): Promise<void> {
    const ctx = this.context;
    if (!ctx || ctx.state !== 'running') {
      await sleep(this.speechAvailable ? 0 : CHIME_MS);
      return;
    }
    const start = ctx.currentTime + 0.05;
    const notes: [number, number][] = [
      [880, 0],
      [659.25, 0.55],
    ];
    for (const [frequency, offset] of notes) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.35, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.7);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.75);
    }
    await sleep(CHIME_MS);
  }

  private voiceFor(lang: string): SpeechSynthesisVoice | null | undefined {
    const voices = speechSynthesis.getVoices();
    // No list yet (some browsers load it late): let the engine pick by the utterance's language.
    if (voices.length === 0) return null;
    const matching = voices.filter((v) => v.lang.toLowerCase().replace('_', '-').split('-')[0] === lang);
    // A voice that works without the Internet first: the board must speak when the network is down.
    return matching.find((v) => v.localService && v.lang.toLowerCase().replace('_', '-') === LOCALES[lang]?.toLowerCase()) ?? matching.find((v) => v.localService) ?? matching[0];
  }

  private say(lang: string, text: string): Promise<void> {
    if (!this.speechAvailable) return Promise.resolve();
    const voice = this.voiceFor(lang);
    // This device has voices, none of them in this language: better silent than read with the wrong one.
    if (voice === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = voice?.lang ?? LOCALES[lang] ?? lang;
      if (voice) utterance.voice = voice;
      utterance.rate = 0.9;
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        speechSynthesis.cancel();
        resolve();
      }, Math.max(SPEECH_MIN_MS, text.length * SPEECH_MS_PER_CHAR));
      utterance.onend = done;
      utterance.onerror = done;
      speechSynthesis.speak(utterance);
    });
  }

  dispose(): void {
    this.disposed = true;
    this.waiting.length = 0;
    if (this.speechAvailable) {
      speechSynthesis.removeEventListener('voiceschanged', this.onChange);
      speechSynthesis.cancel();
    }
    void this.context?.close().catch(() => undefined);
  }
}
