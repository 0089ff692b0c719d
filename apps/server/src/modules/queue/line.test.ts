import { describe, expect, it } from 'vitest';
import { LANE } from './call-order.js';
import { Line, type LineEntry } from './line.js';

const rules = { now: 10_000_000, maxWaitMinutes: 1_000_000 };
const id = (n: number) => `t${String(n).padStart(6, '0')}`;

/** The line's answers against a plain sorted array of the same entries (the reference). */
function expectLineToMatch(line: Line, reference: LineEntry[]): void {
  const sorted = [...reference].sort((a, b) => b.lane - a.lane || a.queuedAt - b.queuedAt || (a.id < b.id ? -1 : 1));
  expect(line.size).toBe(sorted.length);
  expect(line.head(5, rules).map((e) => e.id)).toEqual(sorted.slice(0, 5).map((e) => e.id));
  for (const probe of [0, 1, Math.floor(sorted.length / 2), sorted.length - 1]) {
    const entry = sorted[probe];
    if (entry) expect(line.peopleAhead(entry.id, rules)).toBe(probe);
  }
}

describe('the in-memory line', () => {
  it('keeps places right while call-next takes thousands of heads (past the lane’s compaction), with arrivals, returns and removals between', () => {
    const line = new Line();
    const reference: LineEntry[] = [];
    let next = 0;
    const arrive = (lane: number, queuedAt = 1_000 + next) => {
      const entry = { id: id(next++), lane, queuedAt };
      line.put(entry);
      reference.push(entry);
    };
    const take = (entryId: string) => {
      line.remove(entryId);
      reference.splice(reference.findIndex((e) => e.id === entryId), 1);
    };
    for (let i = 0; i < 5_000; i++) arrive(LANE.normal);
    for (let round = 0; round < 3_000; round++) {
      // Call-next takes the head; now and then someone arrives, a priority patient jumps in, or a token leaves from the middle.
      take(line.head(1, rules)[0]!.id);
      if (round % 3 === 0) arrive(LANE.normal);
      if (round % 97 === 0) arrive(LANE.priority);
      if (round % 41 === 0) take(reference[Math.floor(reference.length / 2)]!.id);
      // A returned token takes an earlier place in its lane (not at the end).
      if (round % 53 === 0) arrive(LANE.normal, 500 + round);
      if (round % 250 === 0) expectLineToMatch(line, reference);
    }
    expectLineToMatch(line, reference);
    while (line.size > 0) take(line.head(1, rules)[0]!.id);
    expect(line.head(3, rules)).toEqual([]);
    arrive(LANE.normal);
    expectLineToMatch(line, reference);
  });
});
