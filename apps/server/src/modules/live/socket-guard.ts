/**
 * Limits that keep one live socket, or one address, from costing everyone else: an abusive client
 * that sends thousands of small messages a second used to stall the whole server, since each one
 * was chained onto an unbounded queue and cost a hash and a query.
 */
export const SOCKET_LIMITS = {
  /** Sustained messages a socket may send; a board or phone sends a few a minute. */
  messagesPerSecond: 10,
  /** Messages a socket may send at once (a reconnect re-subscribing to many departments). */
  burst: 40,
  /** Messages received and not yet answered; past it the client is sending faster than it listens. */
  maxPending: 16,
} as const;

/** The WebSocket close code for a client that broke the rules (RFC 6455 §7.4.1). */
export const POLICY_VIOLATION = 1008;

/** A token bucket: `burst` messages at once, refilled at `perSecond`. */
export class MessageBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Spends one message; false when the socket is over its rate. */
  take(): boolean {
    const at = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((at - this.last) / 1000) * this.perSecond);
    this.last = at;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Open sockets per address, on this instance. */
export function createAddressCounter(max: number) {
  const open = new Map<string, number>();
  return {
    /** Whether one more socket from this address is allowed now. */
    allows: (address: string): boolean => (open.get(address) ?? 0) < max,
    opened(address: string): void {
      open.set(address, (open.get(address) ?? 0) + 1);
    },
    closed(address: string): void {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    },
  };
}
