import type { DepartmentEvent } from '@smart-token/contracts';
import { describe, expect, it } from 'vitest';
import { applyEvent, sanitizeBoard, type BoardState } from './board';
import { tileGrid } from './BoardParts';

const GEN = 'dept-gen';

const board = (overrides: Partial<BoardState> = {}): BoardState => ({
  departmentName: 'General OPD',
  nowServing: [],
  next: [],
  recent: [],
  waitingCount: 0,
  ticker: '',
  tileFadeMinutes: 10,
  ...overrides,
});

let seq = 0;
function called(number: string, counterName: string, at: string): DepartmentEvent {
  seq += 1;
  return { type: 'token.called', at, departmentId: GEN, seq, token: { number, status: 'called', counterName, calledAt: at }, counterName };
}

describe('the board after a pushed event', () => {
  it('replaces a counter’s tile when that counter calls again', () => {
    let state = board({ next: [{ number: 'GEN-001' }, { number: 'GEN-002' }, { number: 'GEN-003' }], waitingCount: 3 });
    state = applyEvent(state, called('GEN-001', 'Room 1', '2026-12-01T08:00:00.000Z'), 'token');
    state = applyEvent(state, called('GEN-002', 'Room 2', '2026-12-01T08:01:00.000Z'), 'token');
    state = applyEvent(state, called('GEN-003', 'Room 1', '2026-12-01T08:02:00.000Z'), 'token');
    expect(state.nowServing.map((c) => [c.number, c.counterName])).toEqual([
      ['GEN-003', 'Room 1'],
      ['GEN-002', 'Room 2'],
    ]);
    expect(state.next).toEqual([]);
    expect(state.waitingCount).toBe(0);
    // The replaced call is still among the recent calls.
    expect(state.recent.map((c) => c.number)).toEqual(['GEN-003', 'GEN-002', 'GEN-001']);
  });

  it('keeps one tile per counter from a server answer too, and drops initials the privacy profile does not allow', () => {
    const answer = board({
      nowServing: [
        { number: 'GEN-004', counterName: 'Room 1', calledAt: '2026-12-01T08:04:00.000Z', initials: 'A.R.' },
        { number: 'GEN-001', counterName: 'Room 1', calledAt: '2026-12-01T08:00:00.000Z', initials: 'R.K.' },
      ],
    });
    expect(sanitizeBoard(answer, 'token').nowServing).toEqual([{ number: 'GEN-004', counterName: 'Room 1', calledAt: '2026-12-01T08:04:00.000Z' }]);
  });
});

describe('tile grid', () => {
  it('sizes the grid for the department’s counters, narrower when departments share the screen', () => {
    expect(tileGrid(1, 1)).toEqual({ cols: 1, rows: 1 });
    expect(tileGrid(3, 1)).toEqual({ cols: 1, rows: 3 });
    expect(tileGrid(4, 1)).toEqual({ cols: 2, rows: 2 });
    expect(tileGrid(8, 1)).toEqual({ cols: 3, rows: 3 });
    expect(tileGrid(8, 2)).toEqual({ cols: 2, rows: 4 });
    expect(tileGrid(40, 1)).toEqual({ cols: 4, rows: 3 });
  });
});
