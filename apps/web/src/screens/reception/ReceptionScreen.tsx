import type { Token } from '@smart-token/contracts';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Shell } from '../../app/Shell';
import { Button } from '../../components/ui/ui';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { ShortcutList } from '../../features/keyboard/ShortcutList';
import { useShortcuts } from '../../features/keyboard/shortcuts';
import { useIssueToken, type IssuedToken } from '../../features/queue/actions';
import { LiveBadge } from '../../features/queue/components';
import { useLiveDepartments } from '../../features/queue/queue';
import { issuable, useReprint } from '../../features/reception/reception';
import { useCounters, useDepartmentNames, useDepartments } from '../../features/setup/setup';
import { PaperChooser, Ticket, printTicket } from '../../features/ticket/Ticket';
import { Toasts } from '../../components/ui/Toasts';
import { IssueForm } from './IssueForm';
import { QueueCards } from './QueueCards';
import { TokenSearch } from './TokenSearch';
import './messages';
import './reception.css';

/** The server's per-socket subscription limit (LIVE_MAX_SUBSCRIPTIONS in the contracts). */
const LIVE_MAX_SUBSCRIPTIONS = 20;
/** A reprint prints by itself once its QR code is drawn; past this it prints without waiting longer. */
const QR_WAIT_MS = 3_000;

/** The ticket on screen: just issued, or printed again with a new status link. */
interface ShownTicket {
  token: IssuedToken;
  reprinted: boolean;
}

/** Prints the ticket once its QR code is on screen (drawn asynchronously), or after QR_WAIT_MS regardless. */
function printWhenDrawn(): () => void {
  const started = Date.now();
  let frame = 0;
  const check = () => {
    if (document.querySelector('.issued .ticket-qr svg') || Date.now() - started > QR_WAIT_MS) printTicket();
    else frame = requestAnimationFrame(check);
  };
  frame = requestAnimationFrame(check);
  return () => cancelAnimationFrame(frame);
}

/**
 * Reception console: register and issue on the left, find and mend today's tokens below it, every
 * department's line live on the right.
 */
export function ReceptionScreen() {
  const { t } = useTranslation('reception');
  const { t: ticketText } = useTranslation('ticket');
  const departments = useDepartments();
  const counters = useCounters();
  const issue = useIssueToken();
  const reprint = useReprint();
  const [formKey, setFormKey] = useState(0);
  const [shown, setShown] = useState<ShownTicket | null>(null);
  const stopPrintWait = useRef<() => void>(undefined);
  const printRef = useRef<HTMLButtonElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  const all = useMemo(() => departments.data ?? [], [departments.data]);
  const open = useMemo(() => issuable(all), [all]);
  const liveIds = useMemo(() => all.slice(0, LIVE_MAX_SUBSCRIPTIONS).map((d) => d.id), [all]);
  const live = useLiveDepartments(liveIds);
  const departmentName = useDepartmentNames(all).byId;
  const issued = shown?.token;

  // The new ticket takes the focus, so Enter prints it.
  useEffect(() => {
    if (shown) printRef.current?.focus();
  }, [shown]);

  useEffect(() => () => stopPrintWait.current?.(), []);

  /** A fresh form with the focus in the phone field; a token being issued is let finish first. */
  function newPatient() {
    if (issue.isPending) return;
    issue.reset();
    setFormKey((k) => k + 1);
  }

  /**
   * A new status key for the token, its ticket on screen and printed. Offered by the form (the patient
   * already waits), the form is then ready for the next patient; from the search, the form is left as it is.
   */
  function reprintTicket(token: Token, clearForm: boolean) {
    if (reprint.isPending) return;
    reprint.mutate(token, {
      onSuccess: (again) => {
        setShown({ token: again, reprinted: true });
        stopPrintWait.current?.();
        stopPrintWait.current = printWhenDrawn();
        if (clearForm && !issue.isPending) {
          issue.reset();
          setFormKey((k) => k + 1);
        }
      },
    });
  }

  useShortcuts([
    { code: 'KeyN', alt: true, run: newPatient },
    { code: 'KeyF', alt: true, run: () => searchRef.current?.focus() },
    { code: 'KeyP', alt: true, run: () => printTicket(), enabled: Boolean(issued) },
  ]);

  return (
    <Shell>
      <div className="screen-head">
        <h1>{t('title')}</h1>
        <LiveBadge state={live} />
      </div>
      <div className="reception-layout">
        <div className="reception-main">
          <section className="card" aria-labelledby="new-patient-heading">
            <h2 id="new-patient-heading">{t('newPatient')}</h2>
            <ProblemAlert error={departments.error} />
            {departments.isPending ? null : (
              <IssueForm key={formKey} departments={open} issue={issue} onIssued={(token) => setShown({ token, reprinted: false })} onReprint={(token) => reprintTicket(token, true)} focusPhone={formKey > 0} />
            )}
          </section>

          <div role="status" className="visually-hidden">
            {shown &&
              (shown.reprinted
                ? `${t('reprinted')}: ${shown.token.number}`
                : t('issuedAnnouncement', { number: shown.token.number, name: shown.token.patient.name, department: departmentName(shown.token.departmentId) }))}
          </div>
          <ProblemAlert error={reprint.error} />

          {shown && (
            <section className="card issued" aria-labelledby="issued-heading">
              <h2 id="issued-heading">{shown.reprinted ? t('reprinted') : t('issued')}</h2>
              {shown.reprinted && <p className="reprinted-note">{t('reprintedNote')}</p>}
              <Ticket
                key={shown.token.statusUrl ?? shown.token.id}
                data={{
                  number: shown.token.number,
                  departmentName: departmentName(shown.token.departmentId),
                  issuedAt: shown.token.issuedAt,
                  statusUrl: shown.token.statusUrl ?? `${location.origin}/status`,
                  position: shown.token.position,
                  estimatedWait: shown.token.estimatedWait,
                }}
              />
              <div className="button-row">
                <Button ref={printRef} onClick={() => printTicket()} aria-keyshortcuts="Alt+P">
                  {ticketText('print')}
                </Button>
                <Button tone="secondary" onClick={() => printTicket('a6')}>
                  {ticketText('printA6')}
                </Button>
                <Button tone="secondary" onClick={newPatient} aria-keyshortcuts="Alt+N">
                  {t('newPatientButton')}
                </Button>
              </div>
            </section>
          )}

          <TokenSearch departments={all} onReprint={(token) => reprintTicket(token, false)} inputRef={searchRef} />

          <section className="card desk-setup" aria-labelledby="desk-heading">
            <h2 id="desk-heading">{t('desk')}</h2>
            <p className="field-hint">{t('deskHint')}</p>
            <PaperChooser />
          </section>

          <section className="card keyboard-help" aria-labelledby="keyboard-heading">
            <h2 id="keyboard-heading">{t('keyboard')}</h2>
            <ShortcutList
              items={[
                { keys: 'Enter', label: t('kbdEnterPhone') },
                { keys: 'Enter', label: t('kbdEnterName') },
                { keys: 'Alt+N', label: t('kbdNew') },
                { keys: 'Alt+F', label: t('kbdFind') },
                { keys: 'Alt+P', label: t('kbdPrint') },
              ]}
            />
          </section>
        </div>

        <section className="reception-queues" aria-labelledby="queues-heading">
          <h2 id="queues-heading">{t('queues')}</h2>
          <QueueCards departments={all} counters={counters.data ?? []} />
        </section>
      </div>
      <Toasts regionLabel={t('notifications')} dismissLabel={t('dismiss')} />
    </Shell>
  );
}
