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

/**
 * One lane's entries, sorted by arrival, then id. Call-next takes the head: that is O(1) here (an
 * offset moves on, and the array is compacted now and then), where `splice(0, 1)` moved every other
 * entry — 7% of a call-next server's CPU on a line of 60,000 (bench/FINDINGS.md).
 */
class Lane {
  private items: LineEntry[] = [];
  private start = 0;

  get length(): number {
    return this.items.length - this.start;
  }

  at(index: number): LineEntry | undefined {
    return this.items[this.start + index];
  }

  /** How many entries come before the key: a binary search. */
  rank(key: Key): number {
    let lo = this.start;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.items[mid]!, key)) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.start;
  }

  /** How many entries arrived strictly before the time. */
  arrivedBefore(time: number): number {
    return this.rank({ queuedAt: time, id: '' });
  }

  insert(entry: LineEntry): void {
    // New arrivals almost always go last: skip the search then.
    if (this.length === 0 || before(this.items[this.items.length - 1]!, entry)) this.items.push(entry);
    else this.items.splice(this.start + this.rank(entry), 0, entry);
  }

  removeAt(index: number): void {
    if (index !== 0) {
      this.items.splice(this.start + index, 1);
      return;
    }
    this.start += 1;
    if (this.start === this.items.length) {
      this.items = [];
      this.start = 0;
    } else if (this.start >= COMPACT_AFTER && this.start * 2 >= this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
  }

  /** The first `limit` entries. */
  head(limit: number): LineEntry[] {
    return this.items.slice(this.start, this.start + limit);
  }
}

/** Taken heads are dropped from a lane's array once there are this many and they are half of it. */
const COMPACT_AFTER = 1024;

/**
 * One department's waiting line in memory, each lane sorted by arrival: a token's place, the head
 * of the line and the counts are binary searches and short merges, whatever the length of the line.
 * The order is exactly call-next's (call-order.ts); call-next itself still decides in the database.
 */
export class Line {
  private readonly lanes = new Map<number, Lane>(LANES_HIGH_TO_LOW.map((lane) => [lane, new Lane()]));
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

  private laneOf(lane: number): Lane {
    let entries = this.lanes.get(lane);
    if (!entries) this.lanes.set(lane, (entries = new Lane()));
    return entries;
  }

  /** Adds or moves the entry (a token that comes back to the line takes its new place). */
  put(entry: LineEntry): void {
    this.remove(entry.id);
    this.laneOf(entry.lane).insert(entry);
    this.byId.set(entry.id, entry);
  }

  remove(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    const lane = this.laneOf(entry.lane);
    const at = lane.rank(entry);
    if (lane.at(at)?.id === id) lane.removeAt(at);
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
    if (effective === LANE.normal) return ahead + normal.rank(entry);
    ahead += this.laneOf(effective).rank(entry);
    if (effective === LANE.priority) {
      // Aged normal tokens that arrived before this one; the aged ones are a prefix of the normal lane.
      ahead += Math.min(normal.arrivedBefore(cutoff), normal.rank(entry));
    }
    return ahead;
  }

  /** The people ahead of a token about to join the end of a lane (a new issue). */
  aheadOfNewcomer(lane: number, rules: OrderRules): number {
    let ahead = 0;
    for (const [l, entries] of this.lanes) if (l >= lane) ahead += entries.length;
    if (lane === LANE.priority) ahead += this.laneOf(LANE.normal).arrivedBefore(agedBefore(rules));
    return ahead;
  }

  /** The first `limit` waiting tokens in call order: the head of each lane, merged by the rules. */
  head(limit: number, rules: OrderRules): LineEntry[] {
    const heads: LineEntry[] = [];
    for (const entries of this.lanes.values()) heads.push(...entries.head(limit));
    return heads.sort((a, b) => compareCallOrder(a, b, rules)).slice(0, limit);
  }

  entries(): IterableIterator<LineEntry> {
    return this.byId.values();
  }
}
