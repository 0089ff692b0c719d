import { describe, expect, it } from 'vitest';
import { LANE, compareCallOrder, effectiveLane, orderReason } from './call-order.js';
import { estimateWait, serviceStats, DEFAULT_SERVICE_MINUTES } from './wait-estimate.js';

const now = Date.parse('2026-11-28T10:00:00Z');
const minutesAgo = (m: number) => now - m * 60_000;
const rules = { now, maxWaitMinutes: 45 };

describe('call order', () => {
  it('calls emergency before a parked return, before priority, before normal', () => {
    const entries = [
      { id: 'n', lane: LANE.normal, queuedAt: minutesAgo(30) },
      { id: 'p', lane: LANE.priority, queuedAt: minutesAgo(1) },
      { id: 'r', lane: LANE.returned, queuedAt: minutesAgo(0) },
      { id: 'e', lane: LANE.emergency, queuedAt: minutesAgo(0) },
    ];
    expect(entries.sort((a, b) => compareCallOrder(a, b, rules)).map((e) => e.id)).toEqual(['e', 'r', 'p', 'n']);
  });

  it('serves first come first within a lane, and breaks exact ties by id', () => {
    const entries = [
      { id: 'b', lane: LANE.normal, queuedAt: minutesAgo(5) },
      { id: 'c', lane: LANE.normal, queuedAt: minutesAgo(10) },
      { id: 'a', lane: LANE.normal, queuedAt: minutesAgo(5) },
    ];
    expect(entries.sort((a, b) => compareCallOrder(a, b, rules)).map((e) => e.id)).toEqual(['c', 'a', 'b']);
  });

  it('moves a normal token that waited past the maximum into the priority lane, by arrival', () => {
    const aged = { id: 'aged', lane: LANE.normal, queuedAt: minutesAgo(52) };
    const priority = { id: 'prio', lane: LANE.priority, queuedAt: minutesAgo(10) };
    expect(effectiveLane(aged, rules)).toBe(LANE.priority);
    expect(compareCallOrder(aged, priority, rules)).toBeLessThan(0);
    expect(orderReason(aged, rules)).toBe('waited 52 min > 45');
  });

  it('never ages anyone into the emergency lane', () => {
    const old = { id: 'p', lane: LANE.priority, queuedAt: minutesAgo(500) };
    expect(effectiveLane(old, rules)).toBe(LANE.priority);
    expect(compareCallOrder({ id: 'e', lane: LANE.emergency, queuedAt: now }, old, rules)).toBeLessThan(0);
  });

  it('gives each lane its reason', () => {
    expect(orderReason({ id: 'x', lane: LANE.emergency, queuedAt: now }, rules)).toBe('emergency');
    expect(orderReason({ id: 'x', lane: LANE.returned, queuedAt: now }, rules)).toBe('returned after park');
    expect(orderReason({ id: 'x', lane: LANE.priority, queuedAt: now }, rules)).toBe('priority');
    expect(orderReason({ id: 'x', lane: LANE.normal, queuedAt: minutesAgo(3) }, rules)).toBe('arrival order');
  });
});

describe('wait estimate', () => {
  it('uses a sensible default before there is history', () => {
    expect(serviceStats([1, 2])).toEqual({ medianMinutes: DEFAULT_SERVICE_MINUTES.median, p80Minutes: DEFAULT_SERVICE_MINUTES.p80 });
  });

  it('takes the median and 80th percentile of recent services', () => {
    const minutes = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((m) => m * 60_000);
    expect(serviceStats(minutes)).toEqual({ medianMinutes: 10, p80Minutes: 16 });
  });

  it('gives a range that grows with the people ahead and shrinks with counters at work', () => {
    const stats = { medianMinutes: 10, p80Minutes: 16 };
    expect(estimateWait(0, 1, stats)).toEqual({ minMinutes: 0, maxMinutes: 16 });
    expect(estimateWait(4, 1, stats)).toEqual({ minMinutes: 40, maxMinutes: 80 });
    expect(estimateWait(4, 2, stats)).toEqual({ minMinutes: 20, maxMinutes: 40 });
    expect(estimateWait(4, 0, stats)).toEqual(estimateWait(4, 1, stats));
  });
});
