/*
 * The patient status page's service worker: shows the clinic's push notifications, opens the status
 * page when one is tapped, and subscribes again when the browser replaces its push subscription.
 * Registered for /s/ only (src/status/push.ts), with no fetch handler: pages load from the network
 * exactly as without it. Plain JavaScript, served as it is (Vite copies public/).
 */

self.addEventListener('install', () => {
  // A new version takes over at once: it holds no cache for an old page to depend on.
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

const FALLBACK_TITLE = 'Smart Token';

/** Only this clinic's pages are opened from a notification, whatever a payload says. */
function ownUrl(value) {
  try {
    const url = new URL(typeof value === 'string' ? value : '/status', self.location.origin);
    if (url.origin === self.location.origin) return url.href;
  } catch {
    // Not a URL: the lookup page below.
  }
  return new URL('/status', self.location.origin).href;
}

function payloadOf(event) {
  if (!event.data) return {};
  try {
    const data = event.data.json();
    return data && typeof data === 'object' ? data : {};
  } catch {
    return { body: event.data.text() };
  }
}

self.addEventListener('push', (event) => {
  const data = payloadOf(event);
  const url = ownUrl(data.url);
  const title = typeof data.title === 'string' && data.title ? data.title : FALLBACK_TITLE;
  // Every push must show a notification (userVisibleOnly); one per visit, each update replacing the last.
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof data.body === 'string' ? data.body : '',
      tag: typeof data.tag === 'string' && data.tag ? data.tag : url,
      // A replaced notification alerts again: "called" after "your turn is near" must be heard.
      renotify: true,
      dir: 'auto',
      data: { url },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = ownUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    (async () => {
      const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const page = open.find((client) => new URL(client.url).pathname === new URL(url).pathname);
      if (page && 'focus' in page) return page.focus();
      return self.clients.openWindow(url);
    })(),
  );
});

/** Where the page keeps the status key it subscribed with (src/status/push.ts writes it): this origin's Cache Storage. */
const VISIT_CACHE = 'smart-token-push';
const VISIT_ENTRY = '/push/visit';

/**
 * The browser replaced the subscription (it expired, or the push service rotated it): tell the server
 * the new one for the same visit, or patients stop hearing about their turn without knowing it.
 */
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(VISIT_CACHE);
      const stored = await cache.match(VISIT_ENTRY);
      if (!stored) return;
      const statusKey = (await stored.text()).trim();
      if (!statusKey) return;
      const options = event.oldSubscription && event.oldSubscription.options;
      const subscription = event.newSubscription || (options ? await self.registration.pushManager.subscribe(options) : null);
      if (!subscription) return;
      const json = subscription.toJSON();
      if (!json.endpoint || !json.keys || !json.keys.p256dh || !json.keys.auth) return;
      const res = await fetch('/api/v1/public/push/subscribe', {
        method: 'POST',
        credentials: 'omit',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ statusKey, subscription: { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } } }),
      });
      // The visit is over or gone: nothing more will come for it.
      if (res.status === 404 || res.status === 409) await cache.delete(VISIT_ENTRY);
    })(),
  );
});
