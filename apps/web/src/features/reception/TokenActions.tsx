import type { Department, Token } from '@smart-token/contracts';
import { useState, type ReactNode } from 'react';
import { Dialog, Heading, Menu, MenuItem, MenuTrigger, Modal, ModalOverlay, Popover, Button as AriaButton } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { ComboField } from '../../components/ui/ComboField';
import { showToast } from '../../components/ui/Toasts';
import { Button, Field } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors } from '../errors/ProblemAlert';
import './messages';
import { canCancel, canMove, isActive, issuable, useCancelToken, useMoveToken } from './reception';
import './reception.css';
import { useDepartmentNames } from '../setup/setup';

type Open = 'move' | 'cancel' | null;

/**
 * What reception can do to a token it found: reprint its ticket, move it to another department,
 * cancel it with a reason. A menu button (React Aria: arrow keys, Escape, screen readers), each
 * change confirmed in a dialog. `onReprint` belongs to the screen, which owns the ticket and printer.
 */
export function TokenActions({ token, departments, onReprint }: { token: Token; departments: Department[]; onReprint: (token: Token) => void }) {
  const { t } = useTranslation('tokenActions');
  const [open, setOpen] = useState<Open>(null);
  const active = isActive(token.status);
  const disabledKeys = [...(active ? [] : ['reprint']), ...(canMove(token.status) ? [] : ['move']), ...(canCancel(token.status) ? [] : ['cancel'])];
  const allDisabled = disabledKeys.length === 3;

  return (
    <>
      <MenuTrigger>
        <AriaButton className="btn btn-secondary token-actions-button" isDisabled={allDisabled} aria-label={t('actionsFor', { number: token.number })}>
          {t('actions')} <span aria-hidden="true">▾</span>
        </AriaButton>
        <Popover className="menu-popover" placement="bottom end">
          <Menu
            className="menu"
            disabledKeys={disabledKeys}
            onAction={(key) => {
              if (key === 'reprint') onReprint(token);
              else setOpen(key as Open);
            }}
          >
            <MenuItem id="reprint" className="menu-item">
              {t('reprint')}
            </MenuItem>
            <MenuItem id="move" className="menu-item">
              {t('move')}
            </MenuItem>
            <MenuItem id="cancel" className="menu-item menu-item-danger">
              {t('cancel')}
            </MenuItem>
          </Menu>
        </Popover>
      </MenuTrigger>
      {open === 'move' && <MoveDialog token={token} departments={departments} onClose={() => setOpen(null)} />}
      {open === 'cancel' && <CancelDialog token={token} onClose={() => setOpen(null)} />}
    </>
  );
}

function ActionDialog({ title, onClose, children }: { title: string; onClose: () => void; children: (close: () => void) => ReactNode }) {
  return (
    <ModalOverlay className="modal-overlay" isOpen isDismissable onOpenChange={(isOpen) => !isOpen && onClose()}>
      <Modal className="modal">
        <Dialog className="dialog">
          {({ close }) => (
            <>
              <Heading slot="title" className="dialog-title">
                {title}
              </Heading>
              {children(close)}
            </>
          )}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

function MoveDialog({ token, departments, onClose }: { token: Token; departments: Department[]; onClose: () => void }) {
  const { t } = useTranslation('tokenActions');
  const { t: common } = useTranslation();
  const move = useMoveToken();
  const others = issuable(departments).filter((d) => d.id !== token.departmentId);
  const [departmentId, setDepartmentId] = useState('');
  const names = useDepartmentNames(departments);
  const from = names.byId(token.departmentId);
  const fields = { departmentId: { label: common('department'), kind: 'choice' as const } };
  return (
    <ActionDialog title={t('moveTitle', { number: token.number })} onClose={onClose}>
      {(close) => (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (!departmentId || move.isPending) return;
            move.mutate(
              { token, departmentId },
              {
                onSuccess: () => {
                  showToast({ title: t('movedToast', { number: token.number, department: names.byId(departmentId) }) });
                  close();
                },
              },
            );
          }}
        >
          <p>{t('moveFrom', { name: token.patient.name, department: from })}</p>
          {others.length === 0 ? (
            <p className="field-error">{t('noOtherDepartment')}</p>
          ) : (
            <ComboField label={t('moveTo')} choices={others.map((d) => ({ id: d.id, label: `${names.of(d)} (${d.code})` }))} value={departmentId} onChange={setDepartmentId} />
          )}
          <p className="field-hint">{t('moveHint', { number: token.number })}</p>
          <ProblemAlert error={move.error} fields={fields} />
          <div className="button-row">
            <Button type="submit" disabled={!departmentId || move.isPending}>
              {move.isPending ? t('working') : t('moveConfirm')}
            </Button>
            <Button tone="secondary" onClick={close}>
              {t('keep')}
            </Button>
          </div>
        </form>
      )}
    </ActionDialog>
  );
}

function CancelDialog({ token, onClose }: { token: Token; onClose: () => void }) {
  const { t } = useTranslation('tokenActions');
  const cancel = useCancelToken();
  const [reason, setReason] = useState('');
  const fields = { reason: { label: t('reason') } };
  return (
    <ActionDialog title={t('cancelTitle', { number: token.number })} onClose={onClose}>
      {(close) => (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (cancel.isPending) return;
            cancel.mutate(
              { token, reason },
              {
                onSuccess: () => {
                  showToast({ title: t('cancelledToast', { number: token.number }) });
                  close();
                },
              },
            );
          }}
        >
          <p>{t('cancelWho', { name: token.patient.name })}</p>
          <Field label={t('reason')} hint={t('reasonHint')} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} error={fieldErrors(cancel.error, fields).reason} />
          <ProblemAlert error={cancel.error} fields={fields} />
          <div className="button-row">
            <Button type="submit" tone="danger" disabled={cancel.isPending}>
              {cancel.isPending ? t('working') : t('cancelConfirm')}
            </Button>
            <Button tone="secondary" onClick={close}>
              {t('keep')}
            </Button>
          </div>
        </form>
      )}
    </ActionDialog>
  );
}
