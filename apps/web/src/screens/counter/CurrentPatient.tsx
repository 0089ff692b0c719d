import type { Department, Token } from '@smart-token/contracts';
import type { RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Select } from '../../components/ui/ui';
import { KeyHint } from '../../features/keyboard/ShortcutList';
import { PriorityBadge, StatusBadge } from '../../features/queue/components';
import { useToken } from '../../features/queue/queue';
import { useDepartmentNames } from '../../features/setup/setup';

interface Props {
  token: Token | undefined;
  department: Department;
  /** Where a patient may be sent on or transferred to. */
  others: Department[];
  can: { recall: boolean; start: boolean; complete: boolean; park: boolean; noShow: boolean; transfer: boolean };
  /** Why each action is off just now (a tooltip on the greyed button), or undefined while it works. */
  why: Partial<Record<'recall' | 'start' | 'complete' | 'park' | 'noShow' | 'transfer' | 'undo', string>>;
  /** A shortcut's keys while it works, else undefined (features/keyboard/preference). */
  keys: (keys: string) => string | undefined;
  busy: boolean;
  actions: { recall: () => void; start: () => void; complete: () => void; park: () => void; noShow: () => void; transfer: () => void };
  sendTo: string;
  onSendTo: (id: string) => void;
  transferTo: string;
  onTransferTo: (id: string) => void;
  transferRef: RefObject<HTMLSelectElement | null>;
  undoLabel?: string;
  onUndo: () => void;
  /** Others called to this counter and not finished: one click makes one of them the current patient. */
  alsoHere: Token[];
  onSwitch: (tokenId: string) => void;
}

/** The patient at this counter now, and everything that can be done with them. */
export function CurrentPatient({
  token,
  department,
  others,
  can,
  why,
  keys,
  busy,
  actions,
  sendTo,
  onSendTo,
  transferTo,
  onTransferTo,
  transferRef,
  undoLabel,
  onUndo,
  alsoHere,
  onSwitch,
}: Props) {
  const { t, i18n } = useTranslation('counter');
  const { t: queueText } = useTranslation('queue');
  const names = useDepartmentNames();
  const details = useToken(token?.id);
  // The stage before this department, for "coming from Laboratory".
  const from = token ? details.data?.history.findLast((entry) => entry.departmentId !== token.departmentId) : undefined;
  const comingFrom = from ? others.find((d) => d.id === from.departmentId)?.name : undefined;
  const time = (iso: string | undefined) => (iso ? new Date(iso).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' }) : '');

  return (
    <section className="card current" aria-labelledby="current-heading">
      <h2 id="current-heading">{t('current')}</h2>
      {!token ? (
        <p className="muted">{t('noCurrent')}</p>
      ) : (
        <>
          <div className="current-who">
            <p className="current-number">{token.number}</p>
            <div>
              <p className="current-name">{token.patient.name}</p>
              <p className="muted">{t('phoneEnds', { digits: token.patient.phoneLast4 })}</p>
              {comingFrom && <p className="coming-from">{queueText('comingFrom', { department: comingFrom })}</p>}
              <p className="current-badges">
                <StatusBadge status={token.status} /> <PriorityBadge priority={token.priority} />
              </p>
              <p className="muted">
                {t('calledAt', { time: time(token.calledAt) })}
                {token.startedAt && ` · ${t('startedAt', { time: time(token.startedAt) })}`}
                {' · '}
                <span className={token.recallCount > 0 ? 'recalls recalls-some' : 'recalls'}>
                  {t('recalls', { count: token.recallCount, max: department.maxRecalls })}
                </span>
              </p>
            </div>
          </div>

          <div className="button-row current-actions">
            <Button tone="secondary" onClick={actions.recall} disabled={busy || !can.recall} title={why.recall} aria-keyshortcuts={keys('R')}>
              {t('recall')} <KeyHint keys={keys('R')} />
            </Button>
            <Button onClick={actions.start} disabled={busy || !can.start} title={why.start} aria-keyshortcuts={keys('S')}>
              {t('start')} <KeyHint keys={keys('S')} />
            </Button>
            <Button tone="secondary" onClick={actions.park} disabled={busy || !can.park} title={why.park} aria-keyshortcuts={keys('P')}>
              {t('park')} <KeyHint keys={keys('P')} />
            </Button>
            <Button tone="danger" onClick={actions.noShow} disabled={busy || !can.noShow} title={why.noShow}>
              {t('noShow')}
            </Button>
          </div>

          <div className="current-forms">
            <div className="inline-form">
              <Select label={t('sendTo')} value={sendTo} onChange={(e) => onSendTo(e.target.value)}>
                <option value="">{t('finishVisit')}</option>
                {others.map((d) => (
                  <option key={d.id} value={d.id}>
                    {t('sendToDepartment', { name: names.of(d) })}
                  </option>
                ))}
              </Select>
              <Button onClick={actions.complete} disabled={busy || !can.complete} title={why.complete} aria-keyshortcuts={keys('C')}>
                {t('complete')} <KeyHint keys={keys('C')} />
              </Button>
            </div>
            <div className="inline-form">
              <Select ref={transferRef} label={t('transferTo')} value={transferTo} onChange={(e) => onTransferTo(e.target.value)} aria-keyshortcuts={keys('T')}>
                <option value="">{t('chooseDepartment')}</option>
                {others.map((d) => (
                  <option key={d.id} value={d.id}>
                    {names.of(d)}
                  </option>
                ))}
              </Select>
              <Button tone="secondary" onClick={actions.transfer} disabled={busy || !can.transfer} title={why.transfer}>
                {t('transfer')}
              </Button>
            </div>
          </div>
        </>
      )}
      {alsoHere.length > 0 && (
        <div className="also-here">
          <h3 className="sub-heading">{t('alsoHere')}</h3>
          <ul className="button-row also-here-list">
            {alsoHere.map((other) => (
              <li key={other.id}>
                <Button tone="secondary" className="btn-small" onClick={() => onSwitch(other.id)} title={t('switchTo', { number: other.number })}>
                  {other.number} · {t(`status.${other.status}`, { ns: 'common' })}
                </Button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {undoLabel && (
        <div className="undo-row">
          <Button tone="ghost" onClick={onUndo} disabled={busy} title={why.undo} aria-keyshortcuts={keys('U')}>
            {undoLabel} <KeyHint keys={keys('U')} />
          </Button>
        </div>
      )}
    </section>
  );
}
