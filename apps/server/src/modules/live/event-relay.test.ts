import type { Token } from '@smart-token/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEventRelay, type EventRelay } from './event-relay.js';
import type { PendingEvent } from './live-events.js';

const POLL_MS = 1000;

function event(departmentId: string, seq: number): PendingEvent {
  return { departmentId, seq, type: 'queue.changed', at: seq, token: { id: `${departmentId}-${seq}` } as Token };
}

/** The outbox and `department_event_seqs` as plain maps: committing writes both, as the transaction does. */
function fakeOutbox() {
  const events = new Map<string, PendingEvent[]>();
  const seqs = new Map<string, number>();
  const calls: { departmentId: string; since: number; upTo: number }[] = [];
  return {
    calls,
    commit(departmentId: string, count = 1): PendingEvent[] {
      const made: PendingEvent[] = [];
      for (let i = 0; i < count; i++) {
        const e = event(departmentId, (seqs.get(departmentId) ?? 0) + 1);
        seqs.set(departmentId, e.seq);
        events.set(departmentId, [...(events.get(departmentId) ?? []), e]);
        made.push(e);
      }
      return made;
    },
    purge(departmentId: string, upTo: number): void {
      events.set(departmentId, (events.get(departmentId) ?? []).filter((e) => e.seq > upTo));
    },
    committedSeqs: async () => [...seqs].map(([departmentId, seq]) => ({ departmentId, seq })),
    // As live.service's eventsSince: undefined when the stretch no longer starts right after `since`.
    async eventsSince(departmentId: string, since: number, upTo: number): Promise<PendingEvent[] | undefined> {
      calls.push({ departmentId, since, upTo });
      const found = (events.get(departmentId) ?? []).filter((e) => e.seq > since && e.seq <= upTo);
      return upTo > since && found[0]?.seq !== since + 1 ? undefined : found;
    },
  };
}

describe('event relay', () => {
  let outbox: ReturnType<typeof fakeOutbox>;
  let relay: EventRelay;
  let received: PendingEvent[][];
  let resyncs: [string, number][];
  let errors: unknown[];

  /** Every event the consumer got, as `department:seq`, in the order it got them. */
  const seen = () => received.flat().map((e) => `${e.departmentId}:${e.seq}`);

  async function start(deps: Partial<Parameters<typeof createEventRelay>[0]> = {}): Promise<void> {
    relay = createEventRelay({
      committedSeqs: outbox.committedSeqs,
      eventsSince: (d, since, upTo) => outbox.eventsSince(d, since, upTo),
      onError: (error) => errors.push(error),
      pollMs: POLL_MS,
      ...deps,
    });
    await relay.start();
    relay.subscribe((events) => received.push(events));
    relay.onResync((departmentId, seq) => resyncs.push([departmentId, seq]));
  }

  beforeEach(() => {
    vi.useFakeTimers();
    outbox = fakeOutbox();
    received = [];
    resyncs = [];
    errors = [];
  });
  afterEach(async () => {
    await relay.close();
    vi.useRealTimers();
  });

  it('starts where each department stands, without replaying events committed before the start', async () => {
    const old = outbox.commit('A', 3);
    await start();
    const next = outbox.commit('A');
    relay.accept([...old, ...next]);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen()).toEqual(['A:4']);
    expect(outbox.calls).toEqual([]);
  });

  it('hands each department’s events over in seq order however they arrive', async () => {
    await start();
    const [a1, a2, a3] = outbox.commit('A', 3);
    const [b1, b2] = outbox.commit('B', 2);
    relay.accept([a2!, b2!, a1!, b1!]);
    relay.accept([a3!]);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen().filter((s) => s.startsWith('A'))).toEqual(['A:1', 'A:2', 'A:3']);
    expect(seen().filter((s) => s.startsWith('B'))).toEqual(['B:1', 'B:2']);
    expect(outbox.calls).toEqual([]);
  });

  it('drops duplicates and seqs it already delivered', async () => {
    await start();
    const [a1, a2] = outbox.commit('A', 2);
    relay.accept([a1!]);
    relay.accept([a1!, a2!]);
    relay.accept([a2!]);
    relay.accept([a1!]);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen()).toEqual(['A:1', 'A:2']);
  });

  it('fills a gap from the outbox before the event that revealed it, and drops the late copies', async () => {
    await start();
    const [a1, a2, a3, a4] = outbox.commit('A', 4);
    relay.accept([a1!]);
    relay.accept([a4!]);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen()).toEqual(['A:1', 'A:2', 'A:3', 'A:4']);
    expect(outbox.calls).toEqual([{ departmentId: 'A', since: 1, upTo: 3 }]);
    relay.accept([a2!, a3!]);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen()).toHaveLength(4);
  });

  it('delivers an event whose publish never came, found by the poll with no later event', async () => {
    await start();
    relay.accept(outbox.commit('A'));
    outbox.commit('A', 2); // committed, never published
    outbox.commit('B'); // likewise, in a department this relay has not heard of
    await vi.advanceTimersByTimeAsync(0);
    expect(seen()).toEqual(['A:1']);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(seen().sort()).toEqual(['A:1', 'A:2', 'A:3', 'B:1']);
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    expect(seen()).toHaveLength(4);
    expect(outbox.calls).toHaveLength(2);
  });

  it('asks consumers to reload when the outbox no longer holds a gap, then goes on after it', async () => {
    await start();
    relay.accept(outbox.commit('A'));
    outbox.commit('A', 3);
    outbox.purge('A', 3);
    const [a5] = outbox.commit('A');
    relay.accept([a5!]);
    await vi.advanceTimersByTimeAsync(0);
    expect(resyncs).toEqual([['A', 4]]);
    expect(seen()).toEqual(['A:1', 'A:5']);
    relay.accept(outbox.commit('A'));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen()).toEqual(['A:1', 'A:5', 'A:6']);
  });

  it('asks consumers to reload when a stalled department’s missing events are gone, and jumps to its seq', async () => {
    await start();
    relay.accept(outbox.commit('A'));
    outbox.commit('A', 2);
    outbox.purge('A', 3);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(resyncs).toEqual([['A', 3]]);
    expect(seen()).toEqual(['A:1']);
    relay.accept(outbox.commit('A'));
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(seen()).toEqual(['A:1', 'A:4']);
    expect(resyncs).toHaveLength(1);
  });

  it('logs a failed outbox read and recovers the events at the next poll', async () => {
    let failing = true;
    await start({
      eventsSince: (d, since, upTo) => (failing ? Promise.reject(new Error('database away')) : outbox.eventsSince(d, since, upTo)),
    });
    relay.accept(outbox.commit('A'));
    const [, a3] = outbox.commit('A', 2);
    relay.accept([a3!]);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen()).toEqual(['A:1']);
    expect(errors).toHaveLength(1);
    failing = false;
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(seen()).toEqual(['A:1', 'A:2', 'A:3']);
  });

  it('keeps polling after the poll query fails, and a throwing consumer does not stop the others', async () => {
    let failing = false;
    await start({ committedSeqs: () => (failing ? Promise.reject(new Error('database away')) : outbox.committedSeqs()) });
    relay.subscribe(() => {
      throw new Error('consumer bug');
    });
    const later: PendingEvent[][] = [];
    relay.subscribe((events) => later.push(events));
    failing = true;
    outbox.commit('A');
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(errors).toHaveLength(1);
    expect(seen()).toEqual([]);
    failing = false;
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(seen()).toEqual(['A:1']);
    expect(later.flat().map((e) => e.seq)).toEqual([1]);
    expect(errors).toHaveLength(2);
  });

  it('stops polling once closed', async () => {
    await start();
    await relay.close();
    outbox.commit('A');
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    expect(seen()).toEqual([]);
    expect(outbox.calls).toEqual([]);
  });
});
