import { TOKEN_STATUSES, type TokenStatus } from '@smart-token/contracts';
import { describe, expect, it } from 'vitest';
import { TRANSITIONS, canTransition, transitionRefusal, type MachineAction } from './state-machine.js';

/** Written out by hand from API.md's table, so the code's table is checked against the contract. */
const LEGAL: Record<MachineAction, TokenStatus[]> = {
  call: ['waiting'],
  recall: ['called'],
  start: ['called'],
  complete: ['called', 'serving'],
  transfer: ['waiting', 'called', 'serving', 'parked'],
  park: ['called', 'serving'],
  return: ['parked'],
  no_show: ['called'],
  cancel: ['waiting', 'called', 'parked'],
};

describe('the token state machine', () => {
  const actions = Object.keys(LEGAL) as MachineAction[];

  it('covers exactly the actions of the contract', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...actions].sort());
  });

  for (const action of actions) {
    for (const status of TOKEN_STATUSES) {
      const legal = LEGAL[action].includes(status);
      it(`${legal ? 'allows' : 'refuses'} ${action} from ${status}`, () => {
        expect(canTransition(action, status)).toBe(legal);
      });
    }
  }

  it('lets nothing move a token out of completed, no_show or cancelled', () => {
    for (const status of ['completed', 'no_show', 'cancelled'] as const) {
      expect(actions.filter((a) => canTransition(a, status))).toEqual([]);
    }
  });

  it('explains a refusal with the token number and its status', () => {
    expect(transitionRefusal('GEN-004', 'completed', 'recall')).toBe('Token GEN-004 is already completed and cannot be recalled.');
  });
});
