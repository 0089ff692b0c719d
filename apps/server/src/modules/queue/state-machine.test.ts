import { TOKEN_STATUSES, canTransition, type StaffAction, type TokenStatus } from '@smart-token/contracts';
import { describe, expect, it } from 'vitest';
import { TRANSITIONS, transitionRefusal } from './state-machine.js';

/** Written out by hand from API.md's table, so the code's table is checked against the contract. */
const LEGAL: Record<Exclude<StaffAction, 'undo'> | 'return', TokenStatus[]> = {
  call: ['waiting'],
  recall: ['called'],
  start: ['called'],
  complete: ['called', 'serving'],
  transfer: ['waiting', 'called', 'serving', 'parked'],
  park: ['called', 'serving'],
  // The server's own step: a parked token back in the line, or a waiting one moved back (a patient's LATE reply).
  return: ['waiting', 'parked'],
  no_show: ['called'],
  cancel: ['waiting', 'called', 'parked'],
};

/** Where each step ends, from API.md: recall past the limit is a no-show, completion onward waits again. */
const TARGET: Record<keyof typeof TRANSITIONS, TokenStatus | 'previous'> = {
  call: 'called',
  recall: 'called',
  recallExhausted: 'no_show',
  start: 'serving',
  complete: 'completed',
  sendOn: 'waiting',
  transfer: 'waiting',
  park: 'parked',
  return: 'waiting',
  late: 'waiting',
  no_show: 'no_show',
  cancel: 'cancelled',
  undo: 'previous',
};

describe('the token state machine', () => {
  const actions = Object.keys(LEGAL) as (keyof typeof LEGAL)[];

  it('covers exactly the actions of the contract, each step with its target', () => {
    expect(new Set(Object.values(TRANSITIONS).map((t) => t.action))).toEqual(new Set([...actions, 'undo']));
    expect(Object.fromEntries(Object.entries(TRANSITIONS).map(([name, t]) => [name, t.to]))).toEqual(TARGET);
  });

  for (const action of actions) {
    for (const status of TOKEN_STATUSES) {
      const legal = LEGAL[action].includes(status);
      it(`${legal ? 'allows' : 'refuses'} ${action} from ${status}`, () => {
        expect(canTransition(status, action)).toBe(legal);
      });
    }
  }

  it('lets nothing but undo move a token out of completed, no_show or cancelled', () => {
    for (const status of ['completed', 'no_show', 'cancelled'] as const) {
      expect(actions.filter((a) => canTransition(status, a))).toEqual([]);
      expect(canTransition(status, 'undo')).toBe(true);
    }
  });

  it('explains a refusal with the token number and its status', () => {
    expect(transitionRefusal('GEN-004', 'completed', 'recall')).toBe('Token GEN-004 is already completed and cannot be recalled.');
  });
});
