/** The board's sound choice, kept by the browser: a TV that reboots comes back as it was left. */
const SOUND_KEY = 'smart-token.board.sound';

/**
 * Whether the board starts muted: `?sound=off` / `?sound=on` in its address win (a bookmark made for
 * a quiet room), else the last choice made on this screen, else sound on.
 */
export function startsMuted(param: string | null): boolean {
  if (param === 'off') return true;
  if (param === 'on') return false;
  try {
    return localStorage.getItem(SOUND_KEY) === 'off';
  } catch {
    return false;
  }
}

export function rememberSound(muted: boolean): void {
  try {
    localStorage.setItem(SOUND_KEY, muted ? 'off' : 'on');
  } catch {
    // A locked-down profile keeps the choice for this page only.
  }
}
