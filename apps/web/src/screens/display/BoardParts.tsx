import type { TFunction } from 'i18next';
import { useEffect, useState, type CSSProperties } from 'react';
import type { BoardCall, BoardState } from './board';

const MAX_TILES = 12;
const NEXT_SHOWN = 5;
const RECENT_SHOWN = 4;
/** Tiles fade by the clock as well as by events: checked this often. */
const FADE_TICK_MS = 15_000;
/** The ticker moves at a readable pace: this many seconds per character, and never faster than a full pass in MIN. */
const TICKER_SECONDS_PER_CHAR = 0.28;
const TICKER_MIN_SECONDS = 14;

/** Columns and rows of tiles: as many slots as the department has counters (or calls on screen), so tiles do not jump in size with each call. */
export function tileGrid(slots: number, panels: number): { cols: number; rows: number } {
  const n = Math.max(1, Math.min(slots, MAX_TILES));
  let cols = n <= 3 ? 1 : n <= 6 ? 2 : n <= 9 ? 3 : 4;
  if (panels > 1) cols = Math.min(cols, n <= 3 ? 1 : 2);
  return { cols, rows: Math.ceil(n / cols) };
}

export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** A heading in every board language, each marked with its language for screen readers and fonts. */
export function Multi({ texts }: { texts: { lang: string; text: string }[] }) {
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

function Tile({ call, flash, faded, goTo }: { call: BoardCall; flash: boolean; faded: boolean; goTo: string }) {
  return (
    <li className={['tile', flash ? 'tile-flash' : '', faded && !flash ? 'tile-faded' : ''].join(' ').trim()}>
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

type Texts = { lang: string; text: string }[];

/** One department's part of the board: what is called where, who is next, how many wait and for how long. */
export function DepartmentPanel({
  board,
  multi,
  slots,
  panels,
  flashNumber,
  all,
  tp,
  goTo,
}: {
  board: BoardState | undefined;
  multi: boolean;
  slots: number;
  panels: number;
  flashNumber: string | undefined;
  all: (key: string) => Texts;
  tp: TFunction<'display'>;
  goTo: string;
}) {
  const now = useNow(FADE_TICK_MS);
  const serving = (board?.nowServing ?? []).slice(0, MAX_TILES);
  const onBoard = new Set(serving.map((c) => c.number));
  const recent: BoardCall[] = [];
  for (const c of board?.recent ?? []) {
    if (!onBoard.has(c.number) && !recent.some((r) => r.number === c.number)) recent.push(c);
  }
  const next = (board?.next ?? []).slice(0, NEXT_SHOWN);
  const fadeMs = (board?.tileFadeMinutes ?? 0) * 60_000;
  const grid = tileGrid(Math.max(slots, serving.length), panels);
  const gridStyle = { '--tile-cols': grid.cols, '--tile-rows': grid.rows, '--panels': panels } as CSSProperties;
  const H = multi ? 'h3' : 'h2';
  const wait = board?.typicalWait;

  return (
    <>
      {multi && <h2 className="board-panel-title">{board?.departmentName ?? '…'}</h2>}
      {board && (
        <p className="board-stats">
          <span className="board-stat">{tp('waitingCount', { count: board.waitingCount })}</span>
          {wait && board.waitingCount > 0 && (
            <span className="board-stat">{wait.maxMinutes <= 1 ? tp('typicalWaitNone') : tp('typicalWait', { min: wait.minMinutes, max: wait.maxMinutes })}</span>
          )}
        </p>
      )}
      <section className="board-serving" aria-label={all('nowServing').map((t) => t.text).join(' · ')}>
        <H className="board-h2">
          <Multi texts={all('nowServing')} />
        </H>
        {serving.length === 0 ? (
          <p className="board-empty">
            <Multi texts={all('nobodyCalled')} />
          </p>
        ) : (
          <ol className={`tiles ${grid.cols > 1 ? 'tiles-grid' : 'tiles-rows'}`} style={gridStyle}>
            {serving.map((c) => (
              <Tile key={`${c.counterName}|${c.number}@${c.calledAt}`} call={c} flash={flashNumber === c.number} faded={fadeMs > 0 && now - Date.parse(c.calledAt) > fadeMs} goTo={goTo} />
            ))}
          </ol>
        )}
      </section>
      <div className="board-side">
        <section aria-label={all('next').map((t) => t.text).join(' · ')}>
          <H className="board-h2">
            <Multi texts={all('next')} />
          </H>
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
        {!multi && recent.length > 0 && (
          <section aria-label={all('recent').map((t) => t.text).join(' · ')}>
            <H className="board-h2">
              <Multi texts={all('recent')} />
            </H>
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
    </>
  );
}

/** The admin's messages along the foot of the board, moving unless the viewer asked for less motion. */
export function Ticker({ text, label, rtl }: { text: string; label: string; rtl: boolean }) {
  if (!text) return null;
  const style = { '--ticker-seconds': `${Math.max(TICKER_MIN_SECONDS, text.length * TICKER_SECONDS_PER_CHAR)}s` } as CSSProperties;
  return (
    <footer className="board-ticker" aria-label={label}>
      <p className={rtl ? 'board-ticker-text board-ticker-rtl' : 'board-ticker-text'} style={style}>
        <span dir="auto">{text}</span>
      </p>
    </footer>
  );
}

