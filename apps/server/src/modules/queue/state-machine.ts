import { TRANSITIONS, stepAllowed, type StaffAction, type TokenStatus, type TransitionName } from '@smart-token/contracts';

export { TRANSITIONS, stepAllowed, type TransitionName };

const ACTION_WORDS: Record<StaffAction | 'return', string> = {
  call: 'called',
  recall: 'recalled',
  start: 'started',
  complete: 'completed',
  transfer: 'transferred',
  park: 'parked',
  return: 'returned to the line',
  no_show: 'marked as no-show',
  cancel: 'cancelled',
  undo: 'undone',
};

const STATUS_WORDS: Record<TokenStatus, string> = {
  waiting: 'waiting',
  called: 'already called',
  serving: 'being served',
  parked: 'parked',
  completed: 'already completed',
  no_show: 'marked as no-show',
  cancelled: 'cancelled',
};

/** A sentence a receptionist can act on: "Token GEN-004 is already completed and cannot be recalled." */
export function transitionRefusal(number: string, status: TokenStatus, action: StaffAction | 'return'): string {
  return `Token ${number} is ${STATUS_WORDS[status]} and cannot be ${ACTION_WORDS[action]}.`;
}
