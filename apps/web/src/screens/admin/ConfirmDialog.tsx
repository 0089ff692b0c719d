import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components';
import { Button } from '../../components/ui/ui';

/**
 * "Are you sure?" before a change that is hard to take back (React Aria: focus kept inside, Escape
 * closes, focus returns to the button that opened it). The caller puts a refused change's error in `children`.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  tone = 'primary',
  pending,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  tone?: 'primary' | 'danger';
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation('admin');
  return (
    <ModalOverlay isOpen isDismissable={!pending} onOpenChange={(open) => !open && onCancel()} className="admin-overlay">
      <Modal className="admin-modal">
        <Dialog role="alertdialog" className="admin-dialog">
          <Heading slot="title" className="admin-dialog-title">
            {title}
          </Heading>
          <div className="admin-dialog-body">{children}</div>
          <div className="button-row">
            <Button tone={tone} onClick={onConfirm} disabled={pending}>
              {pending ? t('creating') : confirmLabel}
            </Button>
            <Button tone="secondary" onClick={onCancel} disabled={pending}>
              {t('cancel')}
            </Button>
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

/** A success line beside the form or table that caused it (read out politely). */
export function Notice({ text }: { text: string }) {
  return (
    <p role="status" className="admin-message">
      {text}
    </p>
  );
}
