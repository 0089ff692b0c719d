import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { Shell } from '../../app/Shell';
import { Alert, Button, Select } from '../../components/ui/ui';
import { useDepartments } from '../../features/setup/setup';
import { LANGUAGES, type Language } from '../../i18n';
import { ApiError } from '../../lib/api';
import { spokenNumber } from './announcer';
import { useAnnouncer } from './useAnnouncer';
import { useBoard, type Announcement, type BoardCall, type BoardState, type Privacy } from './board';
import './display.css';
import './messages';

/** Tiles beyond this many are drawn smaller, so a busy department still fits on one screen. */
const LARGE_TILES = 3;
const MAX_TILES = 7;
const NEXT_SHOWN = 5;
const RECENT_SHOWN = 4;
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

function useClock(lang: string): string {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 15_000);
    return () => clearInterval(timer);
  }, []);
  return now.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

/** A heading in every board language, each marked with its language for screen readers and fonts. */
function Multi({ texts }: { texts: { lang: string; text: string }[] }) {
  return (
    <>
      {texts.map(({ lang, text }, i) => (
        <span key={lang} lang={lang} className={i === 0 ? 'multi-first' : 'multi-other'}>
          {i > 0 && <span aria-hidden="true"> · </span>}
          {text}
        </span>
      ))}
    </>
  );
}

function Tile({ call, large, flash, goTo }: { call: BoardCall; large: boolean; flash: boolean; goTo: string }) {
  return (
    <li className={['tile', large ? 'tile-large' : 'tile-small', flash ? 'tile-flash' : ''].join(' ').trim()}>
      <span className="tile-number" dir="ltr">
        {call.number}
      </span>
      {call.initials && (
        <span className="tile-initials" dir="auto">
          {call.initials}
        </span>
      )}
      <span className="tile-arrow" aria-hidden="true">
        →
      </span>
      <span className="visually-hidden">, {goTo} </span>
      <span className="tile-counter" dir="auto">
        {call.counterName}
      </span>
    </li>
  );
}

/** The waiting-room TV: now serving (latest call first), next up, recent calls; speaks each call. */
export function DisplayScreen() {
  const { departmentId = '' } = useParams();
  const [params] = useSearchParams();
  const { i18n } = useTranslation();
  const privacy: Privacy = params.get('privacy') === 'initials' ? 'initials' : 'token';
  const langParam = params.get('lang');
  const languages = useMemo(() => boardLanguages(langParam, i18n.language), [langParam, i18n.language]);
  const primary = languages[0] ?? 'en';
  const texts = useMemo(() => languages.map((lang) => ({ lang, t: i18n.getFixedT(lang, 'display') })), [languages, i18n]);
  const tp = texts[0]!.t;
  const all = (key: string) => texts.map(({ lang, t }) => ({ lang, text: t(key) }));
  const dir = LANGUAGES.find((l) => l.code === primary)?.dir ?? 'ltr';

  // The ?sound= start setting is read once; the button toggles it afterwards.
  const { sound, voice } = useAnnouncer(params.get('sound') === 'off');

  const [lastCall, setLastCall] = useState<Announcement & { shown: string }>();
  const onCall = (call: Announcement) => {
    const number = spokenNumber(call.number);
    voice.announce({
      key: `${call.number}@${call.at}`,
      texts: texts.map(({ lang, t }) => ({ lang, text: t('call', { number, counter: call.counterName }) })),
    });
    setLastCall({ ...call, shown: tp('callShown', { number: call.number, counter: call.counterName }) });
  };
  const { query, live } = useBoard(departmentId, privacy, onCall);

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
  const board: BoardState | undefined = query.data;
  const departmentName = board?.departmentName;
  useEffect(() => {
    if (departmentName) document.title = `${departmentName} · ${tp('nowServing')}`;
  }, [departmentName, tp]);
  const notFound = query.error instanceof ApiError && query.error.status === 404;
  // The refresh token is spent or revoked: the board cannot heal itself, a person has to sign in.
  const signedOut = query.error instanceof ApiError && query.error.status === 401;

  if (notFound) {
    return (
      <main className="board board-message" dir={dir} lang={primary}>
        <h1>{tp('unknownDepartment')}</h1>
        <Link to="/display">{tp('backToPicker')}</Link>
      </main>
    );
  }

  const serving = (board?.nowServing ?? []).slice(0, MAX_TILES);
  const onBoard = new Set(serving.map((c) => c.number));
  const recent: BoardCall[] = [];
  for (const c of board?.recent ?? []) {
    if (!onBoard.has(c.number) && !recent.some((r) => r.number === c.number)) recent.push(c);
  }
  const next = (board?.next ?? []).slice(0, NEXT_SHOWN);
  const goTo = tp('goTo');

  return (
    <div className="board" dir={dir} lang={primary}>
      <header className="board-header">
        <h1 className="board-title">{board?.departmentName ?? '…'}</h1>
        <div className="board-tools">
          {live === 'reconnecting' ? (
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
              <button type="button" className="board-button" aria-pressed={!sound.muted} onClick={() => voice.setMuted(!sound.muted)}>
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
        query.isError &&
        !board && (
          <p className="board-error" role="alert">
            {tp('loadFailed')}
          </p>
        )
      )}
      <main className="board-main" id="main">
        <section className="board-serving" aria-labelledby="board-serving-h">
          <h2 id="board-serving-h" className="board-h2">
            <Multi texts={all('nowServing')} />
          </h2>
          {serving.length === 0 ? (
            <p className="board-empty">
              <Multi texts={all('nobodyCalled')} />
            </p>
          ) : (
            <ol className={`tiles ${serving.length > LARGE_TILES ? 'tiles-many' : `tiles-${serving.length}`}`}>
              {serving.map((c, i) => (
                <Tile
                  key={`${c.number}@${c.calledAt}`}
                  call={c}
                  large={serving.length <= LARGE_TILES || i === 0}
                  flash={lastCall?.number === c.number && lastCall.at !== ''}
                  goTo={goTo}
                />
              ))}
            </ol>
          )}
        </section>
        <div className="board-side">
          <section aria-labelledby="board-next-h">
            <h2 id="board-next-h" className="board-h2">
              <Multi texts={all('next')} />
            </h2>
            {next.length === 0 ? (
              <p className="board-side-empty">{tp('nobodyWaiting')}</p>
            ) : (
              <ol className="board-list board-next">
                {next.map((n) => (
                  <li key={n.number}>
                    <span className="list-number" dir="ltr">
                      {n.number}
                    </span>
                    {n.initials && (
                      <span className="list-initials" dir="auto">
                        {n.initials}
                      </span>
                    )}
                  </li>
                ))}
              </ol>
            )}
          </section>
          {recent.length > 0 && (
            <section aria-labelledby="board-recent-h">
              <h2 id="board-recent-h" className="board-h2">
                <Multi texts={all('recent')} />
              </h2>
              <ol className="board-list board-recent">
                {recent.slice(0, RECENT_SHOWN).map((c) => (
                  <li key={`${c.number}@${c.calledAt}`}>
                    <span className="list-number" dir="ltr">
                      {c.number}
                    </span>
                    <span className="tile-arrow" aria-hidden="true">
                      →
                    </span>
                    <span className="visually-hidden">, {goTo} </span>
                    <span className="list-counter" dir="auto">
                      {c.counterName}
                    </span>
                  </li>
                ))}
              </ol>
            </section>
          )}
        </div>
      </main>
      <p className="visually-hidden" aria-live="assertive" aria-atomic="true">
        {lastCall?.shown ?? ''}
      </p>
    </div>
  );
}

/** Setting up a TV: which department, which languages, how much of a patient it may show. */
export function DisplayPicker() {
  const { t } = useTranslation('display');
  const { i18n } = useTranslation();
  const departments = useDepartments();
  const navigate = useNavigate();
  const [departmentId, setDepartmentId] = useState('');
  const [languages, setLanguages] = useState<Language[]>(() => boardLanguages(null, i18n.language));
  const [privacy, setPrivacy] = useState<Privacy>('token');
  const [error, setError] = useState('');
  const list = departments.data ?? [];
  const chosen = departmentId || list[0]?.id || '';

  function open(event: FormEvent) {
    event.preventDefault();
    if (languages.length === 0) {
      setError(t('pickOneLanguage'));
      return;
    }
    const query = new URLSearchParams({ lang: languages.join(','), ...(privacy === 'initials' && { privacy }) });
    void navigate(`/display/${encodeURIComponent(chosen)}?${query.toString().replace(/%2C/g, ',')}`);
  }

  return (
    <Shell>
      <h1>{t('chooseBoard')}</h1>
      <p>{t('chooseIntro')}</p>
      {departments.isPending && <p role="status">{i18n.t('loading')}</p>}
      {departments.error && <Alert>{departments.error.message}</Alert>}
      {departments.isSuccess && list.length === 0 && <Alert tone="info">{t('noDepartments')}</Alert>}
      {list.length > 0 && (
        <form className="card picker" onSubmit={open}>
          <Select label={i18n.t('department')} value={chosen} onChange={(e) => setDepartmentId(e.target.value)}>
            {list.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.code})
              </option>
            ))}
          </Select>
          <fieldset className="picker-group">
            <legend>{t('boardLanguages')}</legend>
            {LANGUAGES.map((l) => (
              <label key={l.code} className="picker-choice">
                <input
                  type="checkbox"
                  checked={languages.includes(l.code)}
                  onChange={(e) => {
                    setError('');
                    setLanguages((current) => (e.target.checked ? [...current, l.code] : current.filter((c) => c !== l.code)));
                  }}
                />
                <span lang={l.code}>{l.label}</span>
              </label>
            ))}
          </fieldset>
          <fieldset className="picker-group">
            <legend>{t('privacy')}</legend>
            {(['token', 'initials'] as const).map((p) => (
              <label key={p} className="picker-choice">
                <input type="radio" name="privacy" value={p} checked={privacy === p} onChange={() => setPrivacy(p)} />
                {p === 'token' ? t('privacyToken') : t('privacyInitials')}
              </label>
            ))}
          </fieldset>
          {error && <Alert>{error}</Alert>}
          <Button type="submit" size="big">
            {t('open')}
          </Button>
        </form>
      )}
    </Shell>
  );
}
