import { LANE, LANES_HIGH_TO_LOW, agedBefore, compareCallOrder, type OrderRules } from './call-order.js';

/**
 * One waiting token as the in-memory line keeps it: its order keys only (about 200 bytes with the
 * indexes; the token itself stays in the database, a line of 100,000 would otherwise take ~400 MB).
 */
export interface LineEntry {
  id: string;
  lane: number;
  queuedAt: number;
}

type Key = Pick<LineEntry, 'id' | 'queuedAt'>;

const before = (a: Key, b: Key): boolean => a.queuedAt < b.queuedAt || (a.queuedAt === b.queuedAt && a.id < b.id);

/** How many entries of a lane (sorted by arrival, then id) come before the key: a binary search. */
function rank(lane: LineEntry[], key: Key): number {
  let lo = 0;
  let hi = lane.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(lane[mid]!, key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many entries of a lane arrived strictly before the time. */
function arrivedBefore(lane: LineEntry[], time: number): number {
  return rank(lane, { queuedAt: time, id: '' });
}

/**
 * One department's waiting line in memory, each lane sorted by arrival: a token's place, the head
 * of the line and the counts are binary searches and short merges, whatever the length of the line.
 * The order is exactly call-next's (call-order.ts); call-next itself still decides in the database.
 */
export class Line {
  private readonly lanes = new Map<number, LineEntry[]>(LANES_HIGH_TO_LOW.map((lane) => [lane, []]));
  private readonly byId = new Map<string, LineEntry>();

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): LineEntry | undefined {
    return this.byId.get(id);
  }

  private laneOf(lane: number): LineEntry[] {
    let entries = this.lanes.get(lane);
    if (!entries) this.lanes.set(lane, (entries = []));
    return entries;
  }

  /** Adds or moves the entry (a token that comes back to the line takes its new place). */
  put(entry: LineEntry): void {
    this.remove(entry.id);
    const lane = this.laneOf(entry.lane);
    // New arrivals almost always go last: skip the search then.
    const last = lane[lane.length - 1];
    if (!last || before(last, entry)) lane.push(entry);
    else lane.splice(rank(lane, entry), 0, entry);
    this.byId.set(entry.id, entry);
  }

  remove(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    const lane = this.laneOf(entry.lane);
    const at = rank(lane, entry);
    if (lane[at]?.id === id) lane.splice(at, 1);
  }

  /**
   * How many tokens call-next takes before this one. Higher lanes count whole; a normal token that
   * waited past the limit counts with the priority lane, in arrival order (call-order.ts).
   */
  peopleAhead(id: string, rules: OrderRules): number | undefined {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    const cutoff = agedBefore(rules);
    const aged = entry.lane === LANE.normal && entry.queuedAt < cutoff;
    const effective = aged ? LANE.priority : entry.lane;
    let ahead = 0;
    for (const [lane, entries] of this.lanes) if (lane > effective) ahead += entries.length;
    const normal = this.laneOf(LANE.normal);
    if (effective === LANE.normal) return ahead + rank(normal, entry);
    ahead += rank(this.laneOf(effective), entry);
    if (effective === LANE.priority) {
      // Aged normal tokens that arrived before this one; the aged ones are a prefix of the normal lane.
      ahead += Math.min(arrivedBefore(normal, cutoff), rank(normal, entry));
    }
    return ahead;
  }

  /** The people ahead of a token about to join the end of a lane (a new issue). */
  aheadOfNewcomer(lane: number, rules: OrderRules): number {
    let ahead = 0;
    for (const [l, entries] of this.lanes) if (l >= lane) ahead += entries.length;
    if (lane === LANE.priority) ahead += arrivedBefore(this.laneOf(LANE.normal), agedBefore(rules));
    return ahead;
  }

  /** The first `limit` waiting tokens in call order: the head of each lane, merged by the rules. */
  head(limit: number, rules: OrderRules): LineEntry[] {
    const heads: LineEntry[] = [];
    for (const entries of this.lanes.values()) heads.push(...entries.slice(0, limit));
    return heads.sort((a, b) => compareCallOrder(a, b, rules)).slice(0, limit);
  }

  entries(): IterableIterator<LineEntry> {
    return this.byId.values();
  }
}
