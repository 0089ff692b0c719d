import { openRedisChannel } from '../../lib/redis-channel.js';
import type { PendingEvent } from './live-events.js';

/** Carries committed events to every instance's hub: in-process alone, or through Redis pub/sub. */
export interface LiveBus {
  publish(events: PendingEvent[]): void;
  subscribe(handler: (events: PendingEvent[]) => void): void;
  close(): Promise<void>;
}

export function createLocalBus(): LiveBus {
  const handlers: ((events: PendingEvent[]) => void)[] = [];
  return {
    publish: (events) => handlers.forEach((h) => h(events)),
    subscribe: (handler) => void handlers.push(handler),
    close: async () => undefined,
  };
}

const CHANNEL = 'smart-token:live';

/**
 * Redis fan-out. This instance's own events go to its hub at once (no round trip); the copies that
 * come back from Redis carry our id and are dropped, so nothing is delivered twice.
 */
export async function createRedisBus(url: string, onError: (error: unknown) => void): Promise<LiveBus> {
  const handlers: ((events: PendingEvent[]) => void)[] = [];
  const channel = await openRedisChannel(url, CHANNEL, onError, (message, instance) => {
    try {
      const { from, events } = JSON.parse(message) as { from: string; events: PendingEvent[] };
      if (from !== instance) handlers.forEach((h) => h(events));
    } catch (error) {
      onError(error);
    }
  });
  return {
    publish(events) {
      handlers.forEach((h) => h(events));
      channel.publish(JSON.stringify({ from: channel.instance, events })).catch(onError);
    },
    subscribe: (handler) => void handlers.push(handler),
    close: () => channel.close(),
  };
}
