import type { Department } from '@smart-token/contracts';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '../../components/ui/ui';
import { useToken } from '../../features/queue/queue';

/**
 * Asks before an undo, naming the change that will be reversed (read from the token's history, so
 * it is the server's last change, even if someone else made it). Escape or "Keep it" closes it.
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
  const ref = useRef<HTMLDialogElement>(null);
  const token = useToken(target.id);
  const last = token.data?.history.at(-1);
  const undoable = last !== undefined && last.action !== 'issue';

  const keepRef = useRef<HTMLButtonElement>(null);

  // Opened by the user: modal, with the focus on the harmless choice, so Enter keeps things as they are.
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    keepRef.current?.focus();
    return () => dialog?.close();
  }, []);

  const department = last ? (departments.find((d) => d.id === last.departmentId)?.name ?? '') : '';
  return (
    <dialog
      ref={ref}
      className="undo-dialog"
      aria-labelledby="undo-title"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id="undo-title">{t('undoTitle')}</h2>
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
        <Button ref={keepRef} tone="secondary" onClick={onCancel}>
          {t('keep')}
        </Button>
        <Button tone="danger" onClick={onConfirm} disabled={!undoable}>
          {t('undoConfirm')}
        </Button>
      </div>
    </dialog>
  );
}
