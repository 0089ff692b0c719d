import type { TokenAction, TokenStatus } from '@smart-token/contracts';

/** Actions a person takes on a token (issue and undo are handled on their own). */
export type StaffAction = Exclude<TokenAction, 'issue' | 'undo' | 'return'>;
export type MachineAction = StaffAction | 'return';

interface Rule {
  readonly from: readonly TokenStatus[];
  /** The usual target; recall may end in no_show and complete onward in waiting. */
  readonly to: TokenStatus;
}

/** The whole lifecycle of a token, as a table. Anything not listed here is an illegal transition. */
export const TRANSITIONS: Readonly<Record<MachineAction, Rule>> = {
  call: { from: ['waiting'], to: 'called' },
  recall: { from: ['called'], to: 'called' },
  start: { from: ['called'], to: 'serving' },
  complete: { from: ['called', 'serving'], to: 'completed' },
  transfer: { from: ['waiting', 'called', 'serving', 'parked'], to: 'waiting' },
  park: { from: ['called', 'serving'], to: 'parked' },
  return: { from: ['parked'], to: 'waiting' },
  no_show: { from: ['called'], to: 'no_show' },
  cancel: { from: ['waiting', 'called', 'parked'], to: 'cancelled' },
};

export function canTransition(action: MachineAction, status: TokenStatus): boolean {
  return TRANSITIONS[action].from.includes(status);
}

const ACTION_WORDS: Record<MachineAction, string> = {
  call: 'called',
  recall: 'recalled',
  start: 'started',
  complete: 'completed',
  transfer: 'transferred',
  park: 'parked',
  return: 'returned to the line',
  no_show: 'marked as no-show',
  cancel: 'cancelled',
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
export function transitionRefusal(number: string, status: TokenStatus, action: MachineAction): string {
  return `Token ${number} is ${STATUS_WORDS[status]} and cannot be ${ACTION_WORDS[action]}.`;
}
