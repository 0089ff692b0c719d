import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
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
  const instance = randomUUID();
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const subscriber = new Redis(url, { lazyConnect: true });
  publisher.on('error', onError);
  subscriber.on('error', onError);
  await publisher.connect();
  await subscriber.connect();
  await subscriber.subscribe(CHANNEL);
  const handlers: ((events: PendingEvent[]) => void)[] = [];
  subscriber.on('message', (_channel: string, message: string) => {
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
      publisher.publish(CHANNEL, JSON.stringify({ from: instance, events })).catch(onError);
    },
    subscribe: (handler) => void handlers.push(handler),
    async close() {
      await subscriber.quit().catch(() => undefined);
      await publisher.quit().catch(() => undefined);
    },
  };
}
