/**
 * The patient status page: /s/:statusKey (the ticket's QR code) and /status (token number + last 4
 * phone digits). Plain DOM code with no framework, so it loads on a cheap phone on a slow network;
 * types only from the contracts package (its runtime, zod, stays out of this bundle).
 */
import type { LiveClientMessage, PublicBranding, PublicStatus } from '@smart-token/contracts';
import { connectLive, type LiveState } from '../lib/live';
import { h, replace, type Child } from './dom';
import { LANGUAGES, initialLanguage, language, setLanguage, t, type Language } from './messages';
import { pushOffered, pushSupported, subscribeToPush, type PushOutcome } from './push';
import './status.css';

/** Without live updates (a proxy that blocks WebSockets), ask this often. */
const POLL_MS = 30_000;
/** How long the socket may take to deliver a first status before the page asks over plain HTTP. */
const LIVE_GRACE_MS = 4_000;
const TOKEN_PATTERN = /^([A-Za-z]{1,6})[\s-]*(\d{1,6})$/;
/** The lookup lives in this tab only (never in the address): a reload keeps following the token. */
const LOOKUP_KEY = 'smart-token.status-lookup';
const CALL_VIBRATION = [400, 200, 400, 200, 800];

type Lookup = { statusKey: string } | { token: string; phoneLast4: string };

type View =
  | { kind: 'form'; error?: string; busy?: boolean }
  | { kind: 'status'; status?: PublicStatus; receivedAt?: number }
  | { kind: 'unknown-link' };

const root = document.getElementById('status-root')!;
const header = h('header', { class: 'st-header' });
const polite = h('p', { class: 'st-sr', 'aria-live': 'polite', 'aria-atomic': 'true' });
const assertive = h('p', { class: 'st-sr', 'aria-live': 'assertive', 'aria-atomic': 'true' });
root.before(header);
root.after(polite, assertive);

let view: View = { kind: 'form' };
let lookup: Lookup | undefined;
let live: LiveState | 'idle' = 'idle';
let liveDelivered = false;
let lastHttp = 0;
let connection: { close(): void } | undefined;
let audio: AudioContext | undefined;
const form = { token: '', digits: '' };
/** The clinic's name and logo (admin settings); the product's name until they arrive, or when the server has none. */
let clinic: { name: string; logoUrl: string | null } | undefined;
/** "Notify me on this phone" (the status key's page only): the last try's error stays shown until the next. */
let push: { state: 'off' | 'busy' | 'on'; error?: string } = { state: 'off' };
/** Whether the visit's department offers it at all: asked once per page (again after a failed ask); the button shows only on yes. */
let pushOffer: 'asking' | boolean | undefined;

/* ---------- talking to the server ---------- */

type Answer = { ok: true; status: PublicStatus } | { ok: false; code: number; retryAfter?: number };

async function fetchStatus(which: Lookup): Promise<Answer> {
  try {
    const res =
      'statusKey' in which
        ? await fetch(`/api/v1/public/status/${encodeURIComponent(which.statusKey)}`, { credentials: 'omit' })
        : await fetch('/api/v1/public/status', {
            method: 'POST',
            credentials: 'omit',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: which.token, phoneLast4: which.phoneLast4 }),
          });
    if (res.ok) return { ok: true, status: (await res.json()) as PublicStatus };
    const retryAfter = Number(res.headers.get('retry-after'));
    return { ok: false, code: res.status, ...(retryAfter > 0 && { retryAfter }) };
  } catch {
    return { ok: false, code: 0 };
  }
}

function problemText(answer: Extract<Answer, { ok: false }>): string {
  if (answer.code === 404) return t('notFound');
  if (answer.code === 429) return answer.retryAfter && answer.retryAfter > 90 ? t('locked', { minutes: Math.ceil(answer.retryAfter / 60) }) : t('busy');
  if (answer.code === 0) return t('offline');
  return t('busy');
}

function follow(which: Lookup): void {
  lookup = which;
  connection?.close();
  liveDelivered = false;
  const subscribe = { action: 'subscribe', topic: 'status', ...which } as LiveClientMessage;
  connection = connectLive([subscribe], {
    onState: (state) => {
      if (state === 'open') liveDelivered = false;
      live = state;
      renderConnection();
    },
    onStatus: (status, type) => {
      liveDelivered = true;
      show(status, type);
    },
    onError: (code) => {
      if (code === 'NOT_FOUND') stop('statusKey' in which ? { kind: 'unknown-link' } : { kind: 'form', error: t('notFound') });
      // Anything else (a lockout, a busy server): the HTTP fallback below keeps the page current.
      else liveDelivered = false;
    },
  });
}

function stop(next: View): void {
  connection?.close();
  connection = undefined;
  lookup = undefined;
  live = 'idle';
  forget();
  view = next;
  render();
}

/** The socket is down or silent: ask over HTTP now and then, so the page never goes stale for long. */
async function pollIfNeeded(force = false): Promise<void> {
  if (!lookup || view.kind !== 'status') return;
  if (!force && live === 'open' && liveDelivered) return;
  if (!force && Date.now() - lastHttp < POLL_MS) return;
  lastHttp = Date.now();
  const which = lookup;
  const answer = await fetchStatus(which);
  if (lookup !== which) return;
  if (answer.ok) show(answer.status, 'poll');
  else if (answer.code === 404) stop('statusKey' in which ? { kind: 'unknown-link' } : { kind: 'form', error: t('notFound') });
}

setInterval(() => void pollIfNeeded(), 5_000);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void pollIfNeeded(live !== 'open');
});

async function loadBranding(): Promise<void> {
  try {
    const res = await fetch('/api/v1/public/branding', { credentials: 'omit' });
    if (!res.ok) return;
    const branding = (await res.json()) as PublicBranding;
    clinic = { name: branding.clinicName, logoUrl: branding.logoUrl };
    renderHeader();
    if (view.kind === 'form') document.title = `${t('lookupTitle')} · ${brandName()}`;
  } catch {
    // Offline or an older server: the page works without the clinic's name.
  }
}

const brandName = (): string => clinic?.name ?? t('brand');

/* ---------- alerts ---------- */

/** Browsers allow sound only after a tap: this runs inside one (the form's button or "Alert me with sound"). */
function enableSound(): void {
  const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctor) return;
  try {
    audio ??= new Ctor();
    void audio.resume().then(renderStatus, () => undefined);
  } catch {
    audio = undefined;
  }
}

function beep(): void {
  if (!audio || audio.state !== 'running') return;
  const start = audio.currentTime + 0.05;
  for (let i = 0; i < 3; i++) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, start + i * 0.45);
    gain.gain.exponentialRampToValueAtTime(0.4, start + i * 0.45 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.45 + 0.3);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + i * 0.45);
    osc.stop(start + i * 0.45 + 0.32);
  }
}

function alertCalled(status: PublicStatus): void {
  try {
    navigator.vibrate?.(CALL_VIBRATION);
  } catch {
    // Not allowed without a tap on some browsers: the banner and the sound still show it.
  }
  beep();
  assertive.textContent = '';
  // A fresh text node, so screen readers read a recall of the same words again.
  setTimeout(() => (assertive.textContent = calledText(status)), 50);
}

/** Runs inside the tap: browsers ask for the notification permission only then. */
async function turnOnPush(): Promise<void> {
  if (!lookup || !('statusKey' in lookup) || push.state !== 'off') return;
  push = { state: 'busy' };
  renderStatus();
  const outcome = await subscribeToPush(lookup.statusKey);
  push = outcome === 'subscribed' ? { state: 'on' } : { state: 'off', error: pushProblem(outcome) };
  renderStatus();
  // Said once through the live regions: the page redraws on every update, and a redrawn alert would be read again.
  if (push.error) assertive.textContent = push.error;
  else polite.textContent = t('pushIsOn');
}

function pushProblem(outcome: PushOutcome): string {
  if (outcome === 'denied') return t('pushDenied');
  if (outcome === 'ended') return t('pushEnded');
  if (outcome === 'not-offered') return t('pushNotOffered');
  if (outcome === 'not-found') return t('unknownLink');
  if (outcome === 'busy') return t('busy');
  if (outcome === 'offline') return t('offline');
  return t('pushFailed');
}

/* ---------- state changes ---------- */

/** The department in the page's language, where the admin named it so (older servers send no `departmentNames`). */
function departmentOf(s: PublicStatus): string {
  const names: Partial<Record<string, string>> = s.departmentNames ?? {};
  return names[language()] ?? s.departmentName;
}

const calledText = (s: PublicStatus): string => (s.counterName ? t('called', { counter: s.counterName }) : t('calledNoCounter'));

function aheadText(count: number): string {
  return count <= 0 ? t('ahead0') : count === 1 ? t('ahead1') : t('aheadN', { count });
}

function show(status: PublicStatus, type: string): void {
  const before = view.kind === 'status' ? view.status : undefined;
  view = { kind: 'status', status, receivedAt: Date.now() };
  render();
  if (!before) return;
  const calledNow = status.status === 'called' && (before.status !== 'called' || type === 'token.recalled');
  if (calledNow) alertCalled(status);
  else if (status.departmentName !== before.departmentName) polite.textContent = t('movedTo', { department: departmentOf(status) });
  else if (status.status !== before.status) polite.textContent = statusSentence(status);
  else if (status.peopleAhead !== before.peopleAhead && status.peopleAhead !== null) polite.textContent = aheadText(status.peopleAhead);
}

function statusSentence(s: PublicStatus): string {
  switch (s.status) {
    case 'called':
      return calledText(s);
    case 'serving':
      return s.counterName ? t('serving', { counter: s.counterName }) : t('servingNoCounter');
    case 'waiting':
      return s.peopleAhead === null ? t('waiting') : aheadText(s.peopleAhead);
    default:
      return t(s.status);
  }
}

function remember(which: Lookup): void {
  try {
    sessionStorage.setItem(LOOKUP_KEY, JSON.stringify(which));
  } catch {
    // No storage: the page still works, a reload asks again.
  }
}
function forget(): void {
  try {
    sessionStorage.removeItem(LOOKUP_KEY);
  } catch {
    // See remember().
  }
}
function remembered(): Lookup | undefined {
  try {
    const saved = JSON.parse(sessionStorage.getItem(LOOKUP_KEY) ?? 'null') as Partial<{ token: string; phoneLast4: string }> | null;
    if (saved && typeof saved.token === 'string' && typeof saved.phoneLast4 === 'string') return { token: saved.token, phoneLast4: saved.phoneLast4 };
  } catch {
    // Nothing usable saved.
  }
  return undefined;
}

/** "gen 4", "GEN4", "gen-004" → "GEN-004"; undefined when it cannot be a token number. */
export function normaliseToken(input: string): string | undefined {
  const match = TOKEN_PATTERN.exec(input.trim());
  if (!match) return undefined;
  return `${match[1]!.toUpperCase()}-${match[2]!.padStart(3, '0')}`;
}

async function submit(event: Event): Promise<void> {
  event.preventDefault();
  enableSound();
  const token = normaliseToken(form.token);
  const digits = form.digits.trim();
  if (!token) return formError(t('badToken'), 'st-token');
  if (!/^\d{4}$/.test(digits)) return formError(t('badDigits'), 'st-digits');
  view = { kind: 'form', busy: true };
  render();
  const which = { token, phoneLast4: digits };
  const answer = await fetchStatus(which);
  if (!answer.ok) return formError(problemText(answer), 'st-token');
  remember(which);
  form.digits = '';
  view = { kind: 'status', status: answer.status, receivedAt: Date.now() };
  lastHttp = Date.now();
  render();
  document.getElementById('st-title')?.focus();
  follow(which);
}

function formError(message: string, focusId: string): void {
  view = { kind: 'form', error: message };
  render();
  document.getElementById(focusId)?.focus();
}

/* ---------- drawing ---------- */

function renderHeader(): void {
  const select = h(
    'select',
    { id: 'st-lang', onchange: (e: Event) => changeLanguage((e.target as HTMLSelectElement).value as Language) },
    ...LANGUAGES.map((l) => {
      const option = h('option', { value: l.code, lang: l.code }, l.label);
      option.selected = l.code === language();
      return option;
    }),
  );
  const logo = clinic?.logoUrl ? h('img', { class: 'st-logo', src: clinic.logoUrl, alt: '' }) : null;
  replace(header, [h('p', { class: 'st-brand' }, logo, brandName()), h('label', { class: 'st-lang', for: 'st-lang' }, h('span', { class: 'st-sr' }, t('language')), select)]);
}

function changeLanguage(code: Language): void {
  setLanguage(code, true);
  render();
}

function renderForm(v: Extract<View, { kind: 'form' }>): Child[] {
  const tokenInput = h('input', {
    id: 'st-token',
    name: 'token',
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: 'false',
    maxlength: 16,
    dir: 'ltr',
    'aria-describedby': 'st-token-hint',
    'aria-invalid': v.error === t('badToken') ? 'true' : undefined,
    oninput: (e: Event) => (form.token = (e.target as HTMLInputElement).value),
  });
  tokenInput.value = form.token;
  const digitsInput = h('input', {
    id: 'st-digits',
    name: 'digits',
    inputmode: 'numeric',
    autocomplete: 'off',
    maxlength: 4,
    dir: 'ltr',
    'aria-invalid': v.error === t('badDigits') ? 'true' : undefined,
    oninput: (e: Event) => (form.digits = (e.target as HTMLInputElement).value),
  });
  digitsInput.value = form.digits;
  return [
    h('h1', { id: 'st-title', tabindex: -1 }, t('lookupTitle')),
    h('p', { class: 'st-intro' }, t('lookupIntro')),
    h(
      'form',
      { class: 'st-form', novalidate: true, onsubmit: (e: Event) => void submit(e) },
      h('div', { class: 'st-field' }, h('label', { for: 'st-token' }, t('tokenLabel')), tokenInput, h('small', { id: 'st-token-hint' }, t('tokenHint'))),
      h('div', { class: 'st-field' }, h('label', { for: 'st-digits' }, t('digitsLabel')), digitsInput),
      v.error && h('p', { class: 'st-error', role: 'alert' }, v.error),
      h('button', { type: 'submit', class: 'st-button', disabled: v.busy, 'aria-disabled': v.busy ? 'true' : undefined }, v.busy ? t('looking') : t('show')),
    ),
  ];
}

/** The status screen's parts: the heading stays put (it may hold focus), the rest is redrawn. */
let statusParts: { section: HTMLElement; title: HTMLElement; body: HTMLElement; note: HTMLElement } | undefined;

function renderStatus(): void {
  if (view.kind !== 'status' || !statusParts) return;
  const { title, body } = statusParts;
  const s = view.status;
  if (!s) {
    replace(title, [t('yourToken')]);
    replace(body, [h('p', { role: 'status' }, t('loading'))]);
    return;
  }
  document.title = `${s.number} · ${statusSentence(s)}`;
  // When this page last heard from the server (the token itself may not have changed for a while).
  const time = new Date(view.receivedAt ?? Date.now()).toLocaleTimeString(language(), { hour: '2-digit', minute: '2-digit' });
  const waiting = s.status === 'waiting';
  const soundReady = audio?.state === 'running';
  const canSound = 'AudioContext' in window || 'webkitAudioContext' in window;
  replace(title, [h('span', { class: 'st-label' }, t('yourToken')), ' ', h('span', { class: 'st-number', dir: 'ltr' }, s.number)]);
  replace(body, [
    h('p', { class: 'st-department' }, departmentOf(s)),
    s.status === 'called'
      ? h('p', { class: 'st-banner st-banner-called' }, calledText(s))
      : !waiting && h('p', { class: `st-banner st-banner-${s.status}` }, statusSentence(s)),
    waiting &&
      h(
        'dl',
        { class: 'st-facts' },
        s.position !== null && h('div', {}, h('dt', {}, t('position')), h('dd', { class: 'st-big' }, s.position), s.peopleAhead !== null && h('dd', {}, aheadText(s.peopleAhead))),
        h('div', {}, h('dt', {}, t('wait')), h('dd', { class: 'st-big' }, s.estimatedWait ? t('waitRange', { min: s.estimatedWait.minMinutes, max: s.estimatedWait.maxMinutes }) : t('waitUnknown'))),
      ),
    h('p', { class: 'st-updated' }, t('updated', { time })),
    (waiting || s.status === 'parked') && h('p', { class: 'st-keep' }, t('keepOpen')),
    canSound &&
      (waiting || s.status === 'parked' || s.status === 'called') &&
      (soundReady ? h('p', { class: 'st-sound-on' }, t('soundIsOn')) : h('button', { type: 'button', id: 'st-sound', class: 'st-button st-button-quiet', onclick: enableSound }, t('soundOn'))),
    lookup && 'statusKey' in lookup && (waiting || s.status === 'parked') && pushSupported() && offersPush(lookup.statusKey) && renderPush(),
    lookup && !('statusKey' in lookup) && h('p', {}, h('a', { href: '/status', id: 'st-another', onclick: anotherToken }, t('another'))),
  ]);
}

/** True once the server said the department sends browser notifications; the first call asks it. */
function offersPush(statusKey: string): boolean {
  if (pushOffer === undefined) {
    pushOffer = 'asking';
    void pushOffered(statusKey).then((offered) => {
      pushOffer = offered;
      if (offered) renderStatus();
    });
  }
  return pushOffer === true;
}

function renderPush(): HTMLElement {
  if (push.state === 'on') return h('p', { class: 'st-sound-on' }, t('pushIsOn'));
  const busy = push.state === 'busy';
  return h(
    'div',
    {},
    // aria-disabled, not disabled: the button keeps keyboard focus while it works.
    h(
      'button',
      { type: 'button', id: 'st-push', class: 'st-button st-button-quiet', 'aria-disabled': busy ? 'true' : undefined, 'aria-describedby': push.error ? 'st-push-error' : undefined, onclick: () => void turnOnPush() },
      busy ? t('pushBusy') : t('pushOn'),
    ),
    push.error && h('p', { id: 'st-push-error', class: 'st-error' }, push.error),
  );
}

function anotherToken(event: Event): void {
  event.preventDefault();
  form.token = '';
  form.digits = '';
  stop({ kind: 'form' });
  document.title = t('lookupTitle');
  document.getElementById('st-title')?.focus();
}

function renderConnection(): void {
  if (!statusParts) return;
  const text = live === 'reconnecting' ? t('reconnecting') : '';
  if (statusParts.note.textContent !== text) statusParts.note.textContent = text;
}

function render(): void {
  renderHeader();
  if (view.kind !== 'status') statusParts = undefined;
  if (view.kind === 'form') {
    document.title = `${t('lookupTitle')} · ${brandName()}`;
    replace(root, renderForm(view));
  } else if (view.kind === 'unknown-link') {
    replace(root, [h('h1', { id: 'st-title', tabindex: -1 }, t('yourToken')), h('p', { class: 'st-error', role: 'alert' }, t('unknownLink')), h('p', {}, h('a', { href: '/status' }, t('lookupLink')))]);
  } else {
    if (!statusParts) {
      const title = h('h1', { id: 'st-title', class: 'st-title', tabindex: -1 });
      const body = h('div');
      // Always in the page (empty while connected), so screen readers hear it when it fills.
      const note = h('p', { class: 'st-reconnecting', role: 'status' });
      const section = h('section', { class: 'st-status', 'aria-labelledby': 'st-title' }, note, title, body);
      statusParts = { section, title, body, note };
      replace(root, [section]);
    }
    renderStatus();
    renderConnection();
  }
}

/* ---------- start ---------- */

setLanguage(initialLanguage(), false);
void loadBranding();
const keyMatch = /^\/s\/([^/]+)\/?$/.exec(location.pathname);
if (keyMatch) {
  const statusKey = decodeURIComponent(keyMatch[1]!);
  view = { kind: 'status' };
  render();
  follow({ statusKey });
  setTimeout(() => void pollIfNeeded(), LIVE_GRACE_MS);
} else {
  const saved = remembered();
  if (saved) {
    view = { kind: 'status' };
    render();
    follow(saved);
    setTimeout(() => void pollIfNeeded(), LIVE_GRACE_MS);
  } else {
    render();
  }
}
