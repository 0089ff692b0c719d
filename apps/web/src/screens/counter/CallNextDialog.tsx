import { canTransition, type Department, type Token } from '@smart-token/contracts';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Select } from '../../components/ui/ui';
import { useDepartmentNames } from '../../features/setup/setup';
import { ConsoleDialog } from './ConsoleDialog';

/** What becomes of the patient still at the counter when its staff call the next one. */
export type CurrentFate = { kind: 'complete' } | { kind: 'sendOn'; departmentId: string } | { kind: 'park' } | { kind: 'keep' };

/**
 * "Call next" while a patient is still at the counter asks first: one room, one patient (defect 10).
 * Completing is the first and focused choice; keeping both is possible (the server allows it) but
 * never the default.
 */
export function CallNextDialog({
  current,
  counterName,
  others,
  onChoose,
  onCancel,
}: {
  current: Token;
  counterName: string;
  others: Department[];
  onChoose: (fate: CurrentFate) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation('counter');
  const { t: common } = useTranslation();
  const names = useDepartmentNames();
  const [sendTo, setSendTo] = useState('');
  const firstRef = useRef<HTMLButtonElement>(null);
  // The usual answer has the focus: Enter completes the patient and calls the next.
  useEffect(() => firstRef.current?.focus(), []);
  const number = current.number;
  return (
    <ConsoleDialog title={t('callNextTitle', { number })} onClose={onCancel}>
      <p>
        {t('callNextBody', { number, name: current.patient.name, counter: counterName, status: common(`status.${current.status}`) })}
      </p>
      <div className="fate-choices">
        <Button ref={firstRef} onClick={() => onChoose({ kind: 'complete' })} disabled={!canTransition(current.status, 'complete')}>
          {t('fateComplete', { number })}
        </Button>
        {others.length > 0 && (
          <div className="inline-form fate-send">
            <Select label={t('fateSendTo', { number })} value={sendTo} onChange={(e) => setSendTo(e.target.value)}>
              <option value="">{t('chooseDepartment')}</option>
              {others.map((d) => (
                <option key={d.id} value={d.id}>
                  {names.of(d)}
                </option>
              ))}
            </Select>
            <Button
              tone="secondary"
              onClick={() => onChoose({ kind: 'sendOn', departmentId: sendTo })}
              disabled={!sendTo || !canTransition(current.status, 'complete')}
              title={sendTo ? undefined : t('whyChooseDepartment')}
            >
              {t('fateSendOn')}
            </Button>
          </div>
        )}
        <Button tone="secondary" onClick={() => onChoose({ kind: 'park' })} disabled={!canTransition(current.status, 'park')}>
          {t('fatePark', { number })}
        </Button>
        <Button tone="secondary" onClick={() => onChoose({ kind: 'keep' })}>
          {t('fateKeep', { number })}
        </Button>
        <Button tone="ghost" onClick={onCancel}>
          {t('cancel')}
        </Button>
      </div>
    </ConsoleDialog>
  );
}
