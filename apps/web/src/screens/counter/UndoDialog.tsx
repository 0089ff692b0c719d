import type { Department } from '@smart-token/contracts';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '../../components/ui/ui';
import { useToken } from '../../features/queue/queue';
import { ConsoleDialog } from './ConsoleDialog';
import { useDepartmentNames } from '../../features/setup/setup';

/**
 * Asks before an undo, naming the change that will be reversed (read from the token's history, so
 * it is the server's last change, even if someone else made it). Escape or "Keep it" closes it, and
 * the focus starts on "Keep it", so Enter keeps things as they are.
 */
export function UndoDialog({
  target,
  departments,
  onCancel,
  onConfirm,
}: {
  target: { id: string; number: string };
  departments: Department[];
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const { t, i18n } = useTranslation('counter');
  const { t: queueText } = useTranslation('queue');
  const token = useToken(target.id);
  const firstRef = useRef<HTMLButtonElement>(null);
  useEffect(() => firstRef.current?.focus(), []);
  const last = token.data?.history.at(-1);
  const undoable = last !== undefined && last.action !== 'issue' && last.action !== 'undo';

  const nameOf = useDepartmentNames(departments).byId;
  const department = last ? nameOf(last.departmentId) : '';
  return (
    <ConsoleDialog title={t('undoTitle')} onClose={onCancel} role="alertdialog">
      {token.isPending && <p className="muted">…</p>}
      {last && !undoable && <p>{t('undoNothing', { number: target.number })}</p>}
      {last && undoable && (
        <>
          <p>{t('undoBody', { number: target.number })}</p>
          <p className="undo-what">
            <strong>
              {t('undoLast', {
                action: queueText(`action.${last.action}`, { defaultValue: last.action }),
                time: new Date(last.at).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' }),
                by: last.by,
              })}
            </strong>
            {department && ` · ${department}`}
          </p>
        </>
      )}
      <div className="button-row">
        <Button ref={firstRef} tone="secondary" onClick={onCancel}>
          {t('keep')}
        </Button>
        <Button tone="danger" onClick={onConfirm} disabled={!undoable}>
          {t('undoConfirm')}
        </Button>
      </div>
    </ConsoleDialog>
  );
}
