import { Fragment, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { setCharacterKeyShortcuts, useCharacterKeyShortcuts, useShortcutKeys } from './preference';
import './keyboard.css';
import './messages';

function Keys({ keys }: { keys: string }) {
  return keys.split('+').map((key, i) => (
    <Fragment key={key}>
      {i > 0 && '+'}
      <kbd>{key}</kbd>
    </Fragment>
  ));
}

/** The screen's shortcuts that work now, always on view: `keys` as pressed (`Alt+N`), `label` as what happens. */
export function ShortcutList({ items }: { items: { keys: string; label: string }[] }) {
  const { t } = useTranslation('keyboard');
  const shown = useShortcutKeys();
  const working = items.filter((item) => shown(item.keys));
  if (working.length === 0) return <p className="field-hint">{t('characterKeysOff')}</p>;
  return (
    <dl className="shortcut-list">
      {working.map((item, index) => (
        <Fragment key={index}>
          <dt>
            <Keys keys={item.keys} />
          </dt>
          <dd>{item.label}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** The key printed on a button, when its shortcut works; hidden from screen readers, which get aria-keyshortcuts instead. */
export function KeyHint({ keys }: { keys: string | undefined }) {
  if (!keys) return null;
  return (
    <span className="key-hint" aria-hidden="true">
      <Keys keys={keys} />
    </span>
  );
}

/** The switch for single-key shortcuts (WCAG 2.1.4), remembered by this browser. */
export function CharacterKeySetting() {
  const { t } = useTranslation('keyboard');
  const on = useCharacterKeyShortcuts();
  const id = useId();
  return (
    <div className="shortcut-setting">
      <input id={id} type="checkbox" checked={on} onChange={(e) => setCharacterKeyShortcuts(e.target.checked)} aria-describedby={`${id}-hint`} />
      <label htmlFor={id}>{t('characterKeys')}</label>
      <small id={`${id}-hint`} className="field-hint">
        {t('characterKeysHint')}
      </small>
    </div>
  );
}
