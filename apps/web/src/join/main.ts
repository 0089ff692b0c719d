/**
 * The phone join page: /join/:departmentId#<joinCode>, opened from the waiting area's QR poster.
 * Name and phone, then the patient lands on their status page. Plain DOM like the status page (a
 * cheap phone on a slow network); the join code rides in the fragment, so no server log holds it.
 */
import type { CheckInResponse, JoinPage } from '@smart-token/contracts';
import { h, replace } from '../status/dom';
import { LANGUAGES, initialLanguage, language, setLanguage, type Language } from '../status/messages';
import '../status/status.css';
import { tj, type JoinMessageKey } from './messages';

const MAX_NAME = 120;
const root = document.getElementById('join-root')!;
const header = h('header', { class: 'st-header' });
root.before(header);

const departmentId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const joinCode = location.hash.slice(1).trim();
const form = { name: '', phone: '', notify: false };
let page: JoinPage | undefined;
let state: { kind: 'loading' } | { kind: 'form'; error?: JoinMessageKey; field?: 'name' | 'phone'; busy?: boolean } | { kind: 'closed'; message: JoinMessageKey } = { kind: 'loading' };

const t = (key: JoinMessageKey) => tj(language(), key);

function departmentLabel(): string {
  if (!page) return '';
  const names = page.names as Partial<Record<Language, string>>;
  return names[language()] ?? page.departmentName;
}

function renderHeader(): void {
  const select = h(
    'select',
    {
      id: 'st-lang',
      onchange: (e: Event) => {
        setLanguage((e.target as HTMLSelectElement).value as Language, true);
        render();
      },
    },
    ...LANGUAGES.map((l) => {
      const option = h('option', { value: l.code, lang: l.code }, l.label);
      option.selected = l.code === language();
      return option;
    }),
  );
  replace(header, [h('p', { class: 'st-brand' }, departmentLabel() || 'Smart Token'), h('label', { class: 'st-lang', for: 'st-lang' }, h('span', { class: 'st-sr' }, t('language')), select)]);
}

function render(): void {
  renderHeader();
  document.title = `${t('title')} — ${departmentLabel() || 'Smart Token'}`;
  if (state.kind === 'loading') return replace(root, [h('p', { role: 'status' }, t('loading'))]);
  if (state.kind === 'closed') return replace(root, [h('h1', { id: 'st-title', tabindex: -1 }, t('title')), h('p', { class: 'st-error', role: 'alert' }, t(state.message))]);
  const v = state;
  const nameInput = h('input', {
    id: 'join-name',
    name: 'name',
    autocomplete: 'name',
    maxlength: MAX_NAME,
    'aria-invalid': v.field === 'name' ? 'true' : undefined,
    oninput: (e: Event) => (form.name = (e.target as HTMLInputElement).value),
  });
  nameInput.value = form.name;
  const phoneInput = h('input', {
    id: 'join-phone',
    name: 'phone',
    type: 'tel',
    inputmode: 'tel',
    autocomplete: 'tel',
    maxlength: 20,
    dir: 'ltr',
    'aria-describedby': 'join-phone-hint',
    'aria-invalid': v.field === 'phone' ? 'true' : undefined,
    oninput: (e: Event) => (form.phone = (e.target as HTMLInputElement).value),
  });
  phoneInput.value = form.phone;
  const notify = h('input', { id: 'join-notify', type: 'checkbox', onchange: (e: Event) => (form.notify = (e.target as HTMLInputElement).checked) });
  notify.checked = form.notify;
  replace(root, [
    h('h1', { id: 'st-title', tabindex: -1 }, t('title')),
    h('p', { class: 'st-department' }, departmentLabel()),
    h('p', { class: 'st-intro' }, t('intro')),
    h(
      'form',
      { class: 'st-form', novalidate: true, onsubmit: (e: Event) => void submit(e) },
      h('div', { class: 'st-field' }, h('label', { for: 'join-name' }, t('name')), nameInput),
      h('div', { class: 'st-field' }, h('label', { for: 'join-phone' }, t('phone')), phoneInput, h('small', { id: 'join-phone-hint' }, t('phoneHint'))),
      h('div', { class: 'st-field st-check' }, h('label', { for: 'join-notify' }, notify, ' ', t('notify'))),
      v.error && h('p', { class: 'st-error', role: 'alert' }, t(v.error)),
      h('button', { type: 'submit', class: 'st-button', disabled: v.busy, 'aria-disabled': v.busy ? 'true' : undefined }, v.busy ? t('joining') : t('join')),
    ),
  ]);
  if (v.field) document.getElementById(v.field === 'name' ? 'join-name' : 'join-phone')?.focus();
}

async function submit(event: Event): Promise<void> {
  event.preventDefault();
  if (state.kind !== 'form' || state.busy) return;
  if (form.name.trim() === '') {
    state = { kind: 'form', error: 'nameMissing', field: 'name' };
    return render();
  }
  state = { kind: 'form', busy: true };
  render();
  try {
    const res = await fetch('/api/v1/public/check-in', {
      method: 'POST',
      credentials: 'omit',
      headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ departmentId, name: form.name.trim(), phone: form.phone.trim(), joinCode, ...(form.notify && { notify: { channel: 'sms', consent: true } }) }),
    });
    if (res.ok) {
      const token = (await res.json()) as CheckInResponse;
      // The status page of this token (same server): the patient follows it from here.
      location.replace(`/s/${encodeURIComponent(token.statusKey)}`);
      return;
    }
    const problem = (await res.json().catch(() => ({}))) as { code?: string; errors?: { path: string }[] };
    if (res.status === 400 && problem.errors?.some((e) => e.path.includes('phone'))) state = { kind: 'form', error: 'phoneBad', field: 'phone' };
    else if (res.status === 400 && problem.errors?.some((e) => e.path.includes('name'))) state = { kind: 'form', error: 'nameMissing', field: 'name' };
    else if (res.status === 403 && problem.code === 'SELF_CHECK_IN_DISABLED') state = { kind: 'closed', message: 'noPhoneJoin' };
    else if (res.status === 403) state = { kind: 'closed', message: 'codeOld' };
    else state = { kind: 'form', error: 'busy' };
  } catch {
    state = { kind: 'form', error: 'offline' };
  }
  render();
}

async function start(): Promise<void> {
  setLanguage(initialLanguage(), false);
  render();
  if (!joinCode) {
    state = { kind: 'closed', message: 'noCode' };
    return render();
  }
  try {
    const res = await fetch(`/api/v1/public/join/${encodeURIComponent(departmentId)}`, { credentials: 'omit' });
    if (res.ok) {
      page = (await res.json()) as JoinPage;
      state = { kind: 'form' };
    } else state = { kind: 'closed', message: res.status === 404 ? 'noPhoneJoin' : 'busy' };
  } catch {
    state = { kind: 'closed', message: 'offline' };
  }
  render();
}

void start();
