/**
 * "Notify me on this phone": a Web Push subscription for the visit of the status page's key. The
 * service worker (public/push-sw.js) shows what the server sends; it has no fetch handler, so the
 * page itself loads exactly as without it.
 */

const WORKER_URL = '/push-sw.js';
/** Only the status pages: the worker has no business with the staff app. */
const WORKER_SCOPE = '/s/';
/** A worker that is not active by then never will be (a broken install): the patient is told, not left waiting. */
const ACTIVATION_TIMEOUT_MS = 15_000;

export type PushOutcome = 'subscribed' | 'denied' | 'unsupported' | 'ended' | 'not-offered' | 'not-found' | 'busy' | 'offline' | 'failed';

/** Browsers that can take a push for this page (iPhones only from a home-screen web app; plain http never). */
export function pushSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(base64url.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The registration once its worker is active: a push subscription needs an active worker. */
async function activeRegistration(): Promise<ServiceWorkerRegistration> {
  const registration = await navigator.serviceWorker.register(WORKER_URL, { scope: WORKER_SCOPE });
  if (registration.active) return registration;
  const worker = registration.installing ?? registration.waiting;
  if (!worker) throw new Error('no service worker to wait for');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the service worker did not start')), ACTIVATION_TIMEOUT_MS);
    const check = () => {
      if (worker.state === 'activated') {
        clearTimeout(timer);
        resolve();
      } else if (worker.state === 'redundant') {
        clearTimeout(timer);
        reject(new Error('the service worker failed to install'));
      }
    };
    worker.addEventListener('statechange', check);
    check();
  });
  return registration;
}

async function subscription(registration: ServiceWorkerRegistration, publicKey: string): Promise<PushSubscription> {
  const options = { userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) };
  try {
    return await registration.pushManager.subscribe(options);
  } catch (error) {
    // Subscribed before with another server key (the clinic's keys were made again): start over once.
    if (!(error instanceof DOMException) || error.name !== 'InvalidStateError') throw error;
    await (await registration.pushManager.getSubscription())?.unsubscribe();
    return registration.pushManager.subscribe(options);
  }
}

function outcomeOf(status: number): PushOutcome {
  if (status === 404) return 'not-found';
  // PUSH_DISABLED: the department sends no browser notifications.
  if (status === 403) return 'not-offered';
  if (status === 409) return 'ended';
  if (status === 429 || status >= 500) return 'busy';
  return 'failed';
}

/** Whether the visit's department sends browser notifications (and the visit goes on); undefined when the server could not say. */
export async function pushOffered(statusKey: string): Promise<boolean | undefined> {
  try {
    const res = await fetch(`/api/v1/public/push/offer/${encodeURIComponent(statusKey)}`, { credentials: 'omit' });
    // 404: an unknown visit, or a server without push (no https address).
    if (res.status === 404) return false;
    if (!res.ok) return undefined;
    return ((await res.json()) as { offered: boolean }).offered;
  } catch {
    return undefined;
  }
}

/** Asks for permission (this must run inside the tap), subscribes this browser, and tells the server the visit. */
export async function subscribeToPush(statusKey: string): Promise<PushOutcome> {
  if (!pushSupported()) return 'unsupported';
  const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
  if (permission !== 'granted') return 'denied';
  let publicKey: string;
  try {
    const res = await fetch('/api/v1/public/push/key', { credentials: 'omit' });
    if (!res.ok) return outcomeOf(res.status);
    publicKey = ((await res.json()) as { publicKey: string }).publicKey;
  } catch {
    return 'offline';
  }
  let json: PushSubscriptionJSON;
  try {
    json = (await subscription(await activeRegistration(), publicKey)).toJSON();
  } catch (error) {
    // Chrome says NotAllowedError when the permission was withdrawn meanwhile.
    return error instanceof DOMException && error.name === 'NotAllowedError' ? 'denied' : 'failed';
  }
  if (!json.endpoint || !json.keys?.p256dh || !json.keys.auth) return 'failed';
  try {
    const res = await fetch('/api/v1/public/push/subscribe', {
      method: 'POST',
      credentials: 'omit',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ statusKey, subscription: { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } } }),
    });
    if (!res.ok) return outcomeOf(res.status);
  } catch {
    return 'offline';
  }
  await rememberVisit(statusKey);
  return 'subscribed';
}

/** Where the service worker finds the visit when the browser replaces the subscription (public/push-sw.js). */
const VISIT_CACHE = 'smart-token-push';
const VISIT_ENTRY = '/push/visit';

/** Keeps the status key for the worker's re-subscription; a browser without Cache Storage keeps this subscription only. */
async function rememberVisit(statusKey: string): Promise<void> {
  try {
    await (await caches.open(VISIT_CACHE)).put(VISIT_ENTRY, new Response(statusKey));
  } catch {
    // Private modes may refuse storage: the subscription works until the browser replaces it.
  }
}
