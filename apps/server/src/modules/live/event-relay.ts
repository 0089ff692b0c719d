import type { PendingEvent } from './live-events.js';

/**
 * How often the relay compares every department's committed seq with what it delivered. A publish
 * that never comes (an instance killed between its commit and its publish) is filled from the outbox
 * this long after the commit at most, plus one outbox query.
 */
export const RELAY_POLL_MS = 1000;

export interface EventRelayDeps {
  /** Every department's last committed seq (`department_event_seqs`), in one cheap query. */
  committedSeqs(): Promise<{ departmentId: string; seq: number }[]>;
  /** Events after `since` up to `upTo` from the outbox; undefined when they are no longer all kept. */
  eventsSince(departmentId: string, since: number, upTo: number): Promise<PendingEvent[] | undefined>;
  onError(error: unknown, context: string): void;
  pollMs?: number;
}

/** The committed live events of every department, as this instance's local consumers see them. */
export interface LiveEventSource {
  /**
   * `handler` gets every committed event of every department exactly once and, per department, in
   * seq order: from this instance's own publish, from another instance through the bus, or read
   * back from the outbox when a publish went missing. Batches are one transaction's events or one
   * stretch read from the outbox. Called synchronously; a throw is logged and does not stop others.
   */
  subscribe(handler: (events: PendingEvent[]) => void): void;
  /**
   * `handler(departmentId, seq)`: that department's events up to `seq` will never be delivered (the
   * outbox no longer keeps them, or they are more than MAX_REPLAY behind), so anything built from
   * them must be reloaded from the database. Delivery goes on with the events after `seq`.
   */
  onResync(handler: (departmentId: string, seq: number) => void): void;
}

export interface EventRelay extends LiveEventSource {
  /**
   * Starts where every department stands now (older events are not replayed) and starts the poll.
   * Await it before feeding `accept`.
   */
  start(): Promise<void>;
  /** A batch from the bus; it may repeat, come late, come out of order or never come at all. */
  accept(events: PendingEvent[]): void;
  /** Stops the poll and waits for the work in hand. */
  close(): Promise<void>;
}

/** Sits between the live bus and every local consumer, so a lost or late publish loses no event. */
export function createEventRelay(deps: EventRelayDeps): EventRelay {
  const consumers: ((events: PendingEvent[]) => void)[] = [];
  const resyncHandlers: ((departmentId: string, seq: number) => void)[] = [];
  /** Department → last seq handed to consumers. */
  const delivered = new Map<string, number>();
  /** All work runs one piece after another, so `delivered` only moves forward and never races an outbox read. */
  let tail: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setInterval> | undefined;
  let polling = false;
  let closed = false;

  const lastOf = (departmentId: string) => delivered.get(departmentId) ?? 0;

  function enqueue(context: string, work: () => Promise<void>): Promise<void> {
    tail = tail.then(work).catch((error: unknown) => deps.onError(error, context));
    return tail;
  }

  function emit(batch: PendingEvent[]): void {
    if (batch.length === 0 || closed) return;
    for (const handler of consumers) {
      try {
        handler(batch);
      } catch (error) {
        deps.onError(error, 'live relay consumer');
      }
    }
  }

  /** Brings a department up to `upTo` from the outbox; a stretch it no longer keeps becomes a resync. */
  async function catchUp(departmentId: string, upTo: number, out: PendingEvent[]): Promise<void> {
    const since = lastOf(departmentId);
    if (upTo <= since) return;
    const missing = await deps.eventsSince(departmentId, since, upTo);
    if (missing && missing.length === upTo - since && missing.every((e, i) => e.seq === since + 1 + i)) {
      out.push(...missing);
      delivered.set(departmentId, upTo);
      return;
    }
    // What came before the jump goes out first, so consumers see it before they are told to reload.
    emit(out.splice(0));
    delivered.set(departmentId, upTo);
    for (const handler of resyncHandlers) {
      try {
        handler(departmentId, upTo);
      } catch (error) {
        deps.onError(error, 'live relay resync');
      }
    }
  }

  /** Runs `work` per department; one department's failed outbox read leaves the others' events flowing. */
  async function perDepartment<T>(groups: Map<string, T>, context: string, work: (departmentId: string, item: T, out: PendingEvent[]) => Promise<void>) {
    const out: PendingEvent[] = [];
    try {
      for (const [departmentId, item] of groups) {
        try {
          await work(departmentId, item, out);
        } catch (error) {
          // Nothing past the failure was marked delivered: the next poll reads it from the outbox.
          deps.onError(error, context);
        }
      }
    } finally {
      emit(out);
    }
  }

  function take(events: PendingEvent[]): Promise<void> {
    const byDepartment = new Map<string, PendingEvent[]>();
    for (const event of events) {
      const list = byDepartment.get(event.departmentId);
      if (list) list.push(event);
      else byDepartment.set(event.departmentId, [event]);
    }
    return perDepartment(byDepartment, 'live relay gap fill', async (departmentId, list, out) => {
      for (const event of list.sort((a, b) => a.seq - b.seq)) {
        const last = lastOf(departmentId);
        if (event.seq <= last) continue;
        if (event.seq > last + 1) await catchUp(departmentId, event.seq - 1, out);
        out.push(event);
        delivered.set(departmentId, event.seq);
      }
    });
  }

  async function poll(): Promise<void> {
    if (polling || closed) return;
    polling = true;
    try {
      const behind = new Map<string, number>();
      for (const { departmentId, seq } of await deps.committedSeqs()) if (seq > lastOf(departmentId)) behind.set(departmentId, seq);
      // A publish merely in flight may be read here too: its own copy then arrives as a duplicate and is dropped.
      if (behind.size > 0) await enqueue('live relay catch-up', () => perDepartment(behind, 'live relay catch-up', catchUp));
    } catch (error) {
      deps.onError(error, 'live relay poll');
    } finally {
      polling = false;
    }
  }

  return {
    subscribe: (handler) => void consumers.push(handler),
    onResync: (handler) => void resyncHandlers.push(handler),

    async start() {
      for (const { departmentId, seq } of await deps.committedSeqs()) delivered.set(departmentId, seq);
      timer = setInterval(() => void poll(), deps.pollMs ?? RELAY_POLL_MS);
      timer.unref();
    },

    accept(events) {
      if (!closed && events.length > 0) void enqueue('live relay', () => take(events));
    },

    async close() {
      closed = true;
      clearInterval(timer);
      await tail;
    },
  };
}
