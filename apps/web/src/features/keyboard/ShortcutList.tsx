import { Fragment } from 'react';
import './keyboard.css';

/** The screen's shortcuts, always on view: `keys` as pressed (`Alt+N`), `label` as what happens. */
export function ShortcutList({ items }: { items: { keys: string; label: string }[] }) {
  return (
    <dl className="shortcut-list">
      {items.map((item, index) => (
        <Fragment key={index}>
          <dt>
            {item.keys.split('+').map((key, i) => (
              <Fragment key={key}>
                {i > 0 && '+'}
                <kbd>{key}</kbd>
              </Fragment>
            ))}
          </dt>
          <dd>{item.label}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** The key printed on a button; hidden from screen readers, which get aria-keyshortcuts instead. */
export function KeyHint({ keys }: { keys: string }) {
  return (
    <span className="key-hint" aria-hidden="true">
      {keys.split('+').map((key, i) => (
        <Fragment key={key}>
          {i > 0 && '+'}
          <kbd>{key}</kbd>
        </Fragment>
      ))}
    </span>
  );
}
