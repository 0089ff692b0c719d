import { useState, type PointerEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Language } from '../../i18n';
import { LAYOUTS, SCRIPT_LANG, SCRIPT_OF, SCRIPT_SAMPLE, typeLetter, type Script } from './keyboard-layouts';

/** A touch keeps the caret in the field being typed into (the key itself does not take the focus). */
const keepFocus = (event: PointerEvent) => event.preventDefault();

/**
 * Letters on the screen for a kiosk without a keyboard: the script of the chosen language (Latin,
 * Devanagari or Arabic) and Latin letters, space and delete. It types into `value` through `onChange`.
 */
export function OnScreenKeyboard({ value, onChange, label }: { value: string; onChange: (next: string) => void; label: string }) {
  const { t, i18n } = useTranslation('kiosk');
  const own = SCRIPT_OF[i18n.language as Language] ?? 'latin';
  const [chosen, setChosen] = useState<{ for: Script; script: Script }>({ for: own, script: own });
  // A language change brings its own script back.
  const script = chosen.for === own ? chosen.script : own;
  const scripts: Script[] = own === 'latin' ? ['latin'] : [own, 'latin'];
  const rows = LAYOUTS[script];

  return (
    <div className={`kiosk-keyboard kiosk-keyboard-${script}`} role="group" aria-label={label} dir={script === 'arabic' ? 'rtl' : 'ltr'}>
      {rows.map((row, index) => (
        <div key={index} className="kiosk-keyboard-row">
          {row.map((key) => (
            <button key={key} type="button" className="kiosk-letter" lang={SCRIPT_LANG[script]} onPointerDown={keepFocus} onClick={() => onChange(typeLetter(value, key, script))}>
              {key}
            </button>
          ))}
        </div>
      ))}
      <div className="kiosk-keyboard-row kiosk-keyboard-controls">
        {scripts.length > 1 &&
          scripts.map((s) => (
            <button
              key={s}
              type="button"
              className="kiosk-letter kiosk-letter-wide"
              lang={SCRIPT_LANG[s]}
              aria-pressed={s === script}
              onPointerDown={keepFocus}
              onClick={() => setChosen({ for: own, script: s })}
            >
              {SCRIPT_SAMPLE[s]}
              {/* The name read out starts with what the key shows (WCAG 2.5.3), then says what it is. */}
              <span className="visually-hidden"> {t(`script.${s}`)}</span>
            </button>
          ))}
        <button type="button" className="kiosk-letter kiosk-letter-space" onPointerDown={keepFocus} onClick={() => value !== '' && !value.endsWith(' ') && onChange(`${value} `)}>
          {t('space')}
        </button>
        <button type="button" className="kiosk-letter kiosk-letter-wide" aria-label={t('deleteLetter')} onPointerDown={keepFocus} onClick={() => onChange(Array.from(value).slice(0, -1).join(''))}>
          ⌫
        </button>
      </div>
    </div>
  );
}
