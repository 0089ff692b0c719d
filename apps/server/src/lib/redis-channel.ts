import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** One pub/sub channel on Redis: a connection to publish on and one that listens. */
export interface RedisChannel {
  /** This process's id on the channel: messages carry it, so a bus can drop the echo of its own. */
  readonly instance: string;
  readonly publisher: Redis;
  readonly subscriber: Redis;
  publish(message: string): Promise<number>;
  close(): Promise<void>;
}

/** Connects both ends and subscribes; on failure nothing is left open. */
export async function openRedisChannel(
  url: string,
  channel: string,
  onError: (error: unknown) => void,
  /** Every message on the channel, with this process's id to tell its own echoes. */
  onMessage: (message: string, instance: string) => void,
): Promise<RedisChannel> {
  const instance = randomUUID();
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const subscriber = new Redis(url, { lazyConnect: true });
  publisher.on('error', onError);
  subscriber.on('error', onError);
  try {
    await publisher.connect();
    await subscriber.connect();
    await subscriber.subscribe(channel);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw error;
  }
  subscriber.on('message', (_channel: string, message: string) => onMessage(message, instance));
  return {
    instance,
    publisher,
    subscriber,
    publish: (message) => publisher.publish(channel, message),
    async close() {
      await subscriber.quit().catch(() => undefined);
      await publisher.quit().catch(() => undefined);
    },
  };
}
