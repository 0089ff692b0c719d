import type { Priority } from '@smart-token/contracts';

/**
 * Lanes of the waiting line, highest called first. A parked token that comes back goes ahead of
 * everyone but emergencies; ageing lifts a normal token that has waited past the department's
 * maximum into the priority lane (never into emergency, which is a clinical call).
 */
export const LANE = { normal: 1, priority: 2, returned: 3, emergency: 4 } as const;
export const LANES_HIGH_TO_LOW = [LANE.emergency, LANE.returned, LANE.priority, LANE.normal] as const;

export function laneFor(priority: Priority): number {
  return LANE[priority];
}

export interface OrderedEntry {
  id: string;
  lane: number;
  queuedAt: number;
}

export interface OrderRules {
  now: number;
  maxWaitMinutes: number;
}

const MINUTE_MS = 60_000;

export const agedBefore = (rules: OrderRules): number => rules.now - rules.maxWaitMinutes * MINUTE_MS;

export function effectiveLane(entry: OrderedEntry, rules: OrderRules): number {
  return entry.lane === LANE.normal && entry.queuedAt < agedBefore(rules) ? LANE.priority : entry.lane;
}

/** Negative when a is called before b: lane first, then arrival, then id for a total order. */
export function compareCallOrder(a: OrderedEntry, b: OrderedEntry, rules: OrderRules): number {
  return (
    effectiveLane(b, rules) - effectiveLane(a, rules) ||
    a.queuedAt - b.queuedAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Why a waiting token stands where it does, in words the console shows. */
export function orderReason(entry: OrderedEntry, rules: OrderRules): string {
  if (entry.lane === LANE.emergency) return 'emergency';
  if (entry.lane === LANE.returned) return 'returned after park';
  if (entry.lane === LANE.priority) return 'priority';
  if (entry.queuedAt < agedBefore(rules)) {
    return `waited ${Math.floor((rules.now - entry.queuedAt) / MINUTE_MS)} min > ${rules.maxWaitMinutes}`;
  }
  return 'arrival order';
}
