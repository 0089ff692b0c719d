import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

/**
 * The status page's service worker (public/push-sw.js) run as a browser would run it, against
 * stand-ins for its global scope: Cache Storage, the push manager and fetch.
 */
const SOURCE = readFileSync(new URL('../apps/web/public/push-sw.js', import.meta.url), 'utf8');

interface Posted {
  url: string;
  body: { statusKey: string; subscription: { endpoint: string; keys: { p256dh: string; auth: string } } };
}

function subscriptionOf(endpoint: string) {
  return { options: { userVisibleOnly: true, applicationServerKey: 'server-key' }, toJSON: () => ({ endpoint, keys: { p256dh: `p256-${endpoint}`, auth: `auth-${endpoint}` } }) };
}

function worker(options: { statusKey?: string; answer?: number } = {}) {
  const listeners = new Map<string, (event: unknown) => void>();
  const cache = new Map<string, string>();
  if (options.statusKey !== undefined) cache.set('/push/visit', options.statusKey);
  const posted: Posted[] = [];
  const subscribedWith: unknown[] = [];
  const self = {
    location: { origin: 'https://clinic.test' },
    addEventListener: (type: string, listener: (event: unknown) => void) => listeners.set(type, listener),
    skipWaiting: () => undefined,
    clients: { claim: async () => undefined },
    registration: {
      pushManager: {
        subscribe: async (subscribeOptions: unknown) => {
          subscribedWith.push(subscribeOptions);
          return subscriptionOf('https://push.test/renewed');
        },
      },
    },
  };
  const caches = {
    open: async () => ({
      match: async (key: string) => (cache.has(key) ? { text: async () => cache.get(key)! } : undefined),
      delete: async (key: string) => cache.delete(key),
    }),
  };
  const fetch = async (url: string, init: { body: string }) => {
    posted.push({ url, body: JSON.parse(init.body) as Posted['body'] });
    return { status: options.answer ?? 201 };
  };
  runInNewContext(SOURCE, { self, caches, fetch, URL });

  /** Dispatches the event and waits for what it asked the browser to wait for. */
  async function subscriptionChanged(event: object): Promise<void> {
    let done: Promise<unknown> = Promise.resolve();
    listeners.get('pushsubscriptionchange')!({ ...event, waitUntil: (p: Promise<unknown>) => (done = p) });
    await done;
  }
  return { posted, subscribedWith, cache, subscriptionChanged };
}

describe('the status page’s service worker, when the browser replaces the push subscription', () => {
  it('tells the server the new subscription for the visit the page subscribed', async () => {
    const w = worker({ statusKey: 'visit-status-key-0123456789' });
    await w.subscriptionChanged({ oldSubscription: subscriptionOf('https://push.test/old'), newSubscription: subscriptionOf('https://push.test/new') });
    expect(w.posted).toEqual([
      {
        url: '/api/v1/public/push/subscribe',
        body: { statusKey: 'visit-status-key-0123456789', subscription: { endpoint: 'https://push.test/new', keys: { p256dh: 'p256-https://push.test/new', auth: 'auth-https://push.test/new' } } },
      },
    ]);
  });

  it('subscribes again with the old subscription’s options when the browser gives no new one', async () => {
    const w = worker({ statusKey: 'visit-status-key-0123456789' });
    await w.subscriptionChanged({ oldSubscription: subscriptionOf('https://push.test/old'), newSubscription: null });
    expect(w.subscribedWith).toEqual([{ userVisibleOnly: true, applicationServerKey: 'server-key' }]);
    expect(w.posted.map((p) => p.body.subscription.endpoint)).toEqual(['https://push.test/renewed']);
  });

  it('does nothing without a visit, and forgets a visit the server says is over', async () => {
    const none = worker();
    await none.subscriptionChanged({ newSubscription: subscriptionOf('https://push.test/new') });
    expect(none.posted).toEqual([]);

    const ended = worker({ statusKey: 'visit-status-key-0123456789', answer: 409 });
    await ended.subscriptionChanged({ newSubscription: subscriptionOf('https://push.test/new') });
    expect(ended.posted).toHaveLength(1);
    expect(ended.cache.has('/push/visit')).toBe(false);
  });
});
