import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Shell } from '../../app/Shell';
import { Button } from '../../components/ui/ui';
import { ShortcutList } from '../../features/keyboard/ShortcutList';
import { useShortcuts } from '../../features/keyboard/shortcuts';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { useIssueToken, type IssuedToken } from '../../features/queue/actions';
import { DepartmentQueueCard, LiveBadge } from '../../features/queue/components';
import { useLiveDepartments } from '../../features/queue/queue';
import { useCounters, useDepartments } from '../../features/setup/setup';
import { Ticket, printTicket } from '../../features/ticket/Ticket';
import { IssueForm } from './IssueForm';
import './messages';
import './reception.css';

/** The server's per-socket subscription limit (LIVE_MAX_SUBSCRIPTIONS in the contracts). */
const LIVE_MAX_SUBSCRIPTIONS = 20;

/** Reception console: register and issue on the left, every department's line live on the right. */
export function ReceptionScreen() {
  const { t } = useTranslation('reception');
  const { t: ticketText } = useTranslation('ticket');
  const departments = useDepartments();
  const counters = useCounters();
  const issue = useIssueToken();
  const [formKey, setFormKey] = useState(0);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const printRef = useRef<HTMLButtonElement>(null);

  const list = useMemo(() => departments.data ?? [], [departments.data]);
  const liveIds = useMemo(() => list.slice(0, LIVE_MAX_SUBSCRIPTIONS).map((d) => d.id), [list]);
  const live = useLiveDepartments(liveIds);
  const departmentName = (id: string) => list.find((d) => d.id === id)?.name ?? '';

  // The new ticket takes the focus, so Enter prints it.
  useEffect(() => {
    if (issued) printRef.current?.focus();
  }, [issued]);

  /** A fresh form with the focus in the phone field; a token being issued is let finish first. */
  function newPatient() {
    if (issue.isPending) return;
    issue.reset();
    setFormKey((k) => k + 1);
  }

  useShortcuts([
    { code: 'KeyN', alt: true, run: newPatient },
    { code: 'KeyP', alt: true, run: () => printTicket('thermal'), enabled: Boolean(issued) },
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
            {departments.isPending ? null : <IssueForm key={formKey} departments={list} issue={issue} onIssued={setIssued} focusPhone={formKey > 0} />}
          </section>

          <div role="status" className="visually-hidden">
            {issued &&
              t('issuedAnnouncement', { number: issued.number, name: issued.patient.name, department: departmentName(issued.departmentId) })}
          </div>

          {issued && (
            <section className="card issued" aria-labelledby="issued-heading">
              <h2 id="issued-heading">{t('issued')}</h2>
              <Ticket
                data={{
                  number: issued.number,
                  departmentName: departmentName(issued.departmentId),
                  issuedAt: issued.issuedAt,
                  statusUrl: issued.statusUrl ?? `${location.origin}/status`,
                  position: issued.position,
                  estimatedWait: issued.estimatedWait,
                }}
              />
              <div className="button-row">
                <Button ref={printRef} onClick={() => printTicket('thermal')} aria-keyshortcuts="Alt+P">
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

          <section className="card keyboard-help" aria-labelledby="keyboard-heading">
            <h2 id="keyboard-heading">{t('keyboard')}</h2>
            <ShortcutList
              items={[
                { keys: 'Enter', label: t('kbdEnterPhone') },
                { keys: 'Enter', label: t('kbdEnterName') },
                { keys: 'Alt+N', label: t('kbdNew') },
                { keys: 'Alt+P', label: t('kbdPrint') },
              ]}
            />
          </section>
        </div>

        <section className="reception-queues" aria-labelledby="queues-heading">
          <h2 id="queues-heading">{t('queues')}</h2>
          <div className="qcards">
            {list.map((d) => (
              <DepartmentQueueCard key={d.id} department={d} counters={counters.data ?? []} />
            ))}
          </div>
        </section>
      </div>
    </Shell>
  );
}
