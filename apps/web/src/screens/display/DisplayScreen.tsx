import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { departmentName, useCounters, useDepartments } from '../../features/setup/setup';
import { LANGUAGES, type Language } from '../../i18n';
import { ApiError } from '../../lib/api';
import type { LiveState } from '../../lib/live';
import { spokenNumber } from './announcer';
import { useAnnouncer } from './useAnnouncer';
import { useBoard, type Announcement, type BoardState, type Privacy } from './board';
import { DeviceGate } from '../../features/devices/DeviceGate';
import { DepartmentPanel, Multi, Ticker, useNow } from './BoardParts';
import { useBranding } from './branding';
import { rememberSound, startsMuted } from './sound-preference';
import './display.css';
import './messages';

/** More than this many departments on one screen would make every tile too small to read across a room. */
export const MAX_BOARD_DEPARTMENTS = 4;
/** A called tile flashes this long, so eyes find the newest call. */
const FLASH_MS = 12_000;

const isLanguage = (code: string): code is Language => LANGUAGES.some((l) => l.code === code);

/** `?lang=en,hi` → the board's languages in the order they are spoken; the screen's own language otherwise. */
export function boardLanguages(param: string | null, fallback: string): Language[] {
  const wanted = (param ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(isLanguage);
  const unique = [...new Set(wanted)];
  if (unique.length > 0) return unique;
  return [isLanguage(fallback) ? fallback : 'en'];
}

/** `/display/<id>` or `/display/<id>,<id>`: the departments this board shows, in the order given. */
export function boardDepartments(param: string): string[] {
  return [...new Set(param.split(',').map((s) => s.trim()).filter(Boolean))].slice(0, MAX_BOARD_DEPARTMENTS);
}

function useClock(lang: string): string {
  const now = useNow(15_000);
  return new Date(now).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

/** One department's live feed: loads and follows its board, and reports it to the screen that draws them all. */
interface Feed {
  board?: BoardState;
  error?: unknown;
  live: LiveState;
}

function BoardFeed({ departmentId, privacy, onCall, onFeed }: { departmentId: string; privacy: Privacy; onCall: (call: Announcement) => void; onFeed: (id: string, feed: Feed) => void }) {
  const { query, live } = useBoard(departmentId, privacy, onCall);
  const board = query.data;
  const error = query.error;
  useEffect(() => onFeed(departmentId, { board, error: error ?? undefined, live }), [departmentId, board, error, live, onFeed]);
  return null;
}

/**
 * The waiting-room TV: for each of its departments, one tile per counter (the latest call), next up,
 * recent calls, how many wait and for how long; the clinic's name and logo; the admin's ticker. It
 * speaks each call; the sound choice survives a reboot.
 */
export function DisplayScreen({ devicePrivacy }: { devicePrivacy?: Privacy } = {}) {
  const { departmentId = '' } = useParams();
  const ids = useMemo(() => boardDepartments(departmentId), [departmentId]);
  const [params] = useSearchParams();
  const { i18n } = useTranslation();
  // A paired board shows what its key allows (the server holds it to that); staff choose with ?privacy=.
  const privacy: Privacy = devicePrivacy ?? (params.get('privacy') === 'initials' ? 'initials' : 'token');
  const langParam = params.get('lang');
  const languages = useMemo(() => boardLanguages(langParam, i18n.language), [langParam, i18n.language]);
  const primary = languages[0] ?? 'en';
  const texts = useMemo(() => languages.map((lang) => ({ lang, t: i18n.getFixedT(lang, 'display') })), [languages, i18n]);
  const tp = texts[0]!.t;
  const all = (key: string) => texts.map(({ lang, t }) => ({ lang, text: t(key) }));
  const dir = LANGUAGES.find((l) => l.code === primary)?.dir ?? 'ltr';
  const branding = useBranding();
  const counters = useCounters();
  const departments = useDepartments();

  // The ?sound= setting wins once; otherwise the last choice on this screen (kept across reboots).
  const [soundParam] = useState(() => params.get('sound'));
  const { sound, voice } = useAnnouncer(startsMuted(soundParam));
  const setMuted = (muted: boolean) => {
    voice.setMuted(muted);
    rememberSound(muted);
  };

  const [lastCall, setLastCall] = useState<Announcement & { shown: string }>();
  const onCall = (call: Announcement) => {
    const number = spokenNumber(call.number);
    voice.announce({
      key: `${call.number}@${call.at}`,
      texts: texts.map(({ lang, t }) => ({ lang, text: t('call', { number, counter: call.counterName }) })),
    });
    setLastCall({ ...call, shown: tp('callShown', { number: call.number, counter: call.counterName }) });
  };

  const [feeds, setFeeds] = useState<Record<string, Feed>>({});
  const onFeed = useMemo(() => (id: string, feed: Feed) => setFeeds((current) => ({ ...current, [id]: feed })), []);

  useEffect(() => {
    if (!lastCall) return;
    const timer = setTimeout(() => setLastCall((c) => (c === lastCall ? { ...c, at: '' } : c)), FLASH_MS);
    return () => clearTimeout(timer);
  }, [lastCall]);

  // Any key or touch lets the browser play sound (a TV remote's OK button is enough).
  useEffect(() => {
    const unlock = () => voice.unlock();
    window.addEventListener('pointerdown', unlock);
    window.addEventListener('keydown', unlock);
    return () => {
      window.removeEventListener('pointerdown', unlock);
      window.removeEventListener('keydown', unlock);
    };
  }, [voice]);

  const clock = useClock(primary);
  // The department as the admin named it in the board's (first) language, where they did.
  const localName = (id: string, fallback: string) => {
    const department = departments.data?.find((d) => d.id === id);
    return department ? departmentName(department, primary) : fallback;
  };
  const boards = ids.map((id) => {
    const board = feeds[id]?.board;
    return board && { ...board, departmentName: localName(id, board.departmentName) };
  });
  const multi = ids.length > 1;
  const names = boards.map((b) => b?.departmentName).filter((n): n is string => Boolean(n));
  const title = multi ? branding?.clinicName || names.join(' · ') || '…' : (boards[0]?.departmentName ?? '…');
  const documentTitle = names.length > 0 ? `${names.join(' · ')} · ${tp('nowServing')}` : '';
  useEffect(() => {
    if (documentTitle) document.title = documentTitle;
  }, [documentTitle]);
  const errors = ids.map((id) => feeds[id]?.error);
  const notFound = ids.length === 0 || errors.some((e) => e instanceof ApiError && e.status === 404);
  // The refresh token is spent or revoked: the board cannot heal itself, a person has to sign in.
  const signedOut = errors.some((e) => e instanceof ApiError && e.status === 401);
  const loadFailed = ids.some((id, i) => errors[i] !== undefined && !boards[i]);
  const reconnecting = ids.some((id) => feeds[id]?.live === 'reconnecting');
  const ticker = [...new Set(boards.map((b) => b?.ticker.trim() ?? '').filter(Boolean))].join('   •   ');
  const countersOf = (id: string) => (counters.data ?? []).filter((c) => c.departmentId === id).length;
  const flashNumber = lastCall && lastCall.at !== '' ? lastCall.number : undefined;
  const goTo = tp('goTo');

  const feedsRendered = ids.map((id) => <BoardFeed key={id} departmentId={id} privacy={privacy} onCall={onCall} onFeed={onFeed} />);

  if (notFound) {
    return (
      <main className="board board-message" dir={dir} lang={primary}>
        {feedsRendered}
        <h1>{tp('unknownDepartment')}</h1>
        <Link to="/display">{tp('backToPicker')}</Link>
      </main>
    );
  }

  return (
    <div className={multi ? 'board board-multi' : 'board'} dir={dir} lang={primary}>
      {feedsRendered}
      <header className="board-header">
        {branding?.logoUrl && <img className="board-logo" src={branding.logoUrl} alt="" />}
        <div className="board-heading">
          {branding?.clinicName && !(multi && title === branding.clinicName) && <p className="board-clinic">{branding.clinicName}</p>}
          <h1 className="board-title">{title}</h1>
        </div>
        <div className="board-tools">
          {reconnecting ? (
            <span className="board-badge board-badge-warn" role="status">
              <Multi texts={all('reconnecting')} />
            </span>
          ) : (
            <span className="board-badge board-badge-ok" role="status">
              <span aria-hidden="true">● </span>
              {tp('live')}
            </span>
          )}
          <span className="board-clock">{clock}</span>
          {sound.needsUnlock && !sound.muted ? (
            // Not focused for the viewer: any key press or touch on the board unlocks sound (above).
            <button type="button" className="board-button board-button-strong" title={tp('enableSoundHint')} onClick={() => voice.unlock()}>
              {tp('enableSound')}
            </button>
          ) : (
            sound.ready && (
              <button type="button" className="board-button" aria-pressed={!sound.muted} onClick={() => setMuted(!sound.muted)}>
                {sound.muted ? tp('soundOff') : tp('soundOn')}
              </button>
            )
          )}
          {typeof document.documentElement.requestFullscreen === 'function' && (
            <button type="button" className="board-button" onClick={() => void document.documentElement.requestFullscreen().catch(() => undefined)}>
              {tp('fullscreen')}
            </button>
          )}
        </div>
      </header>
      {signedOut ? (
        <p className="board-error" role="alert">
          {tp('signedOut')} <Link to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}>{tp('signInAgain')}</Link>
        </p>
      ) : (
        loadFailed && (
          <p className="board-error" role="alert">
            {tp('loadFailed')}
          </p>
        )
      )}
      <main className={`board-main board-panels-${ids.length}`} id="main">
        {ids.map((id, i) => (
          <div key={id} className="board-panel">
            <DepartmentPanel board={boards[i]} multi={multi} slots={countersOf(id)} panels={ids.length} flashNumber={flashNumber} all={all} tp={tp} goTo={goTo} />
          </div>
        ))}
      </main>
      <Ticker text={ticker} label={tp('tickerLabel')} rtl={dir === 'rtl'} />
      <p className="visually-hidden" aria-live="assertive" aria-atomic="true">
        {lastCall?.shown ?? ''}
      </p>
    </div>
  );
}

export { DisplayPicker } from './DisplayPicker';

/**
 * `/display/:departmentId` on a TV: staff signed in see it as before; a paired board runs on its
 * device cookie with its key's privacy and departments; an unpaired (or revoked) one shows pairing.
 */
export function DeviceDisplayScreen() {
  const { departmentId = '' } = useParams();
  const ids = useMemo(() => boardDepartments(departmentId), [departmentId]);
  return (
    <DeviceGate kind="display" staffRoles={['admin', 'display']} departmentIds={ids}>
      {(device) => <DisplayScreen {...(device && { devicePrivacy: device.privacy })} />}
    </DeviceGate>
  );
}
