import type { TokenAction, TokenStatus } from './queue.js';

/**
 * Every step a token can take, as a table: where it may start and where it ends. The server's
 * transitions take their target status from here (no command writes one of its own) and the
 * screens ask the same table which buttons to offer.
 */
export const TRANSITIONS = {
  call: { action: 'call', from: ['waiting'], to: 'called' },
  recall: { action: 'recall', from: ['called'], to: 'called' },
  /** A recall past the department's limit: the patient did not come. */
  recallExhausted: { action: 'recall', from: ['called'], to: 'no_show' },
  start: { action: 'start', from: ['called'], to: 'serving' },
  complete: { action: 'complete', from: ['called', 'serving'], to: 'completed' },
  /** Completion here, onward to another department with the same number. */
  sendOn: { action: 'complete', from: ['called', 'serving'], to: 'waiting' },
  transfer: { action: 'transfer', from: ['waiting', 'called', 'serving', 'parked'], to: 'waiting' },
  park: { action: 'park', from: ['called', 'serving'], to: 'parked' },
  return: { action: 'return', from: ['parked'], to: 'waiting' },
  /** The patient said they will be late (a LATE reply): back in the line as if arriving later, not called before then. */
  late: { action: 'return', from: ['waiting'], to: 'waiting' },
  no_show: { action: 'no_show', from: ['called'], to: 'no_show' },
  cancel: { action: 'cancel', from: ['waiting', 'called', 'parked'], to: 'cancelled' },
  /** Back to exactly the state before the token's last transition (kept with that transition). */
  undo: { action: 'undo', from: ['waiting', 'called', 'serving', 'parked', 'completed', 'no_show', 'cancelled'], to: 'previous' },
} as const satisfies Record<string, { action: Exclude<TokenAction, 'issue'>; from: readonly TokenStatus[]; to: TokenStatus | 'previous' }>;

export type TransitionName = keyof typeof TRANSITIONS;

/** What a person can ask of a token (issue is no transition; return and the variants are the server's). */
export type StaffAction = Exclude<TokenAction, 'issue' | 'return'>;

/** Whether a token in this status can take this action (any of its outcomes). */
export function canTransition(status: TokenStatus, action: StaffAction | 'return'): boolean {
  return Object.values(TRANSITIONS).some((t) => t.action === action && (t.from as readonly TokenStatus[]).includes(status));
}

/** Whether this named step may start from the status. */
export function stepAllowed(step: TransitionName, status: TokenStatus): boolean {
  return (TRANSITIONS[step].from as readonly TokenStatus[]).includes(status);
}
