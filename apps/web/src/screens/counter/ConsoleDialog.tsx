import type { ReactNode } from 'react';
import { Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components';

/**
 * The console's modal question (React Aria: focus kept inside, Escape or a click outside closes it,
 * focus back where it was). The screen's single-key shortcuts sleep while it is open.
 */
export function ConsoleDialog({ title, onClose, children, role = 'dialog' }: { title: string; onClose: () => void; children: ReactNode; role?: 'dialog' | 'alertdialog' }) {
  return (
    <ModalOverlay isOpen isDismissable onOpenChange={(open) => !open && onClose()} className="console-overlay">
      <Modal className="console-modal">
        <Dialog className="console-dialog" role={role}>
          <Heading slot="title" className="console-dialog-title">
            {title}
          </Heading>
          {children}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
