import { canTransition, type Counter, type CounterAction, type Department, type StaffAction, type Token } from '@smart-token/contracts';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Shell } from '../../app/Shell';
import { Button, Select } from '../../components/ui/ui';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { CharacterKeySetting, KeyHint, ShortcutList } from '../../features/keyboard/ShortcutList';
import { useShortcutKeys } from '../../features/keyboard/preference';
import { useShortcuts } from '../../features/keyboard/shortcuts';
import { TokenMessages } from '../../features/notifications/TokenMessages';
import { useCallNext, useCompleteAndCallNext, useIdempotencyKey, useTokenAction, type TokenActionInput } from '../../features/queue/actions';
import { LiveBadge } from '../../features/queue/components';
import { useLastAction, useRecentlyServed, useRefreshCounterHistory } from '../../features/queue/counter-history';
import { useLiveDepartments, useQueue } from '../../features/queue/queue';
import { activeOnly, useCounters, useDepartmentNames, useDepartments } from '../../features/setup/setup';
import { useMe } from '../../features/auth/auth';
import '../../features/users/messages';
import { CallNextDialog, type CurrentFate } from './CallNextDialog';
import { CurrentPatient } from './CurrentPatient';
import { Journey } from './Journey';
import { NextUp } from './NextUp';
import { RecentlyServed } from './RecentlyServed';
import { UndoDialog } from './UndoDialog';
import { WaitingList } from './WaitingList';
import './counter.css';
import './messages';

const COUNTER_KEY = 'smart-token.counterId';

/** Everyone called to this counter and not finished, the most recent call first. */
function atCounter(counterId: string, called: Token[], serving: Token[]): Token[] {
  return [...called, ...serving].filter((token) => token.counterId === counterId).sort((a, b) => (b.calledAt ?? '').localeCompare(a.calledAt ?? ''));
}

export function CounterScreen() {
  const { t } = useTranslation('counter');
  const { t: tu } = useTranslation('userDepartments');
  const counters = useCounters();
  const departments = useDepartments();
  const me = useMe();
  const [counterId, setCounterId] = useState(() => localStorage.getItem(COUNTER_KEY) ?? '');
  // Only a working counter of my departments is offered or opened: the server refuses the others.
  const mine = me.data?.departmentIds;
  const working = useMemo(() => activeOnly(counters.data ?? []).filter((c) => !mine || mine.includes(c.departmentId)), [counters.data, mine]);
  const counter = working.find((c) => c.id === counterId);
  const department = departments.data?.find((d) => d.id === counter?.departmentId);
  const deactivated = Boolean(counterId) && !counter && counters.data?.some((c) => c.id === counterId);

  function chooseCounter(id: string) {
    setCounterId(id);
    if (id) localStorage.setItem(COUNTER_KEY, id);
    else localStorage.removeItem(COUNTER_KEY);
  }

  return (
    <Shell>
      <div className="screen-head">
        <h1>{t('title')}</h1>
      </div>
      <ProblemAlert error={counters.error ?? departments.error} />
      {deactivated && (
        <p className="alert alert-info" role="status">
          {t('counterDeactivated')}
        </p>
      )}
      {mine && mine.length === 0 && (
        <p className="alert alert-info" role="status">
          {tu('noCountersOfMine')}
        </p>
      )}
      {counters.data && departments.data && me.data !== undefined && !(mine && mine.length === 0) && <CounterPicker counters={working} departments={departments.data} value={counter ? counterId : ''} onChange={chooseCounter} />}
      {counter && department && departments.data && <Console key={counter.id} counter={counter} department={department} departments={departments.data} />}
    </Shell>
  );
}

function CounterPicker({ counters, departments, value, onChange }: { counters: Counter[]; departments: Department[]; value: string; onChange: (id: string) => void }) {
  const { t } = useTranslation('counter');
  const names = useDepartmentNames();
  if (counters.length === 0) return <p className="alert alert-info">{t('noCounters')}</p>;
  return (
    <div className={value ? 'counter-picker' : 'counter-picker card'}>
      <Select label={value ? t('yourCounter') : t('chooseCounter')} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('chooseCounter')}</option>
        {departments.map((d) => {
          const own = counters.filter((c) => c.departmentId === d.id);
          return own.length === 0 ? null : (
            <optgroup key={d.id} label={`${names.of(d)} (${d.code})`}>
              {own.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </optgroup>
          );
        })}
      </Select>
      {!value && <p className="field-hint">{t('chooseCounterHint')}</p>}
    </div>
  );
}

type Announce = (text: string) => void;

/** The console for one counter: call, act on the current patient, see the line. */
function Console({ counter, department, departments }: { counter: Counter; department: Department; departments: Department[] }) {
  const { t } = useTranslation('counter');
  const { t: common } = useTranslation();
  const queue = useQueue(department.id);
  const lastAction = useLastAction(counter.id);
  const recent = useRecentlyServed(counter.id);
  const refreshHistory = useRefreshCounterHistory(counter.id);
  const departmentIds = useMemo(() => [department.id], [department.id]);
  // The counter's history changes with its own tokens' events (another screen of this counter, a colleague's undo).
  const live = useLiveDepartments(departmentIds, (event) => {
    if (!event || !('id' in event.token)) return refreshHistory();
    const known = [lastAction.data?.token.id, ...(recent.data ?? []).map((entry) => entry.token.id)];
    if (event.token.counterId === counter.id || known.includes(event.token.id)) refreshHistory();
  });
  const callNext = useCallNext();
  const completeAndNext = useCompleteAndCallNext();
  const action = useTokenAction();
  const idempotency = useIdempotencyKey();
  const [message, setMessage] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [sendTo, setSendTo] = useState('');
  const [transferTo, setTransferTo] = useState('');
  const [undoOf, setUndoOf] = useState<{ id: string; number: string } | null>(null);
  const [asking, setAsking] = useState(false);
  const transferRef = useRef<HTMLSelectElement>(null);

  // The current patient is the latest call still open here, unless the user switched to an earlier one.
  const [pinnedId, setPinnedId] = useState<string | null>(null);
  const here = queue.data ? atCounter(counter.id, queue.data.called, queue.data.serving) : [];
  const latest = here[0];
  const current = here.find((token) => token.id === pinnedId) ?? latest;
  const alsoHere = here.filter((token) => token !== current);
  // Undo reverses the counter's last change as the server's history has it: it survives a reload.
  const undoTarget: CounterAction | null = lastAction.data ?? null;
  const busy = callNext.isPending || completeAndNext.isPending || action.isPending;
  const names = useDepartmentNames(departments);
  const nameOf = names.byId;
  const keys = useShortcutKeys();
  const announce: Announce = (text) => setMessage(text);

  function begin() {
    setError(null);
    setMessage('');
  }

  function announceCalled(token: Token | null) {
    if (!token) return announce(t('announceNobody'));
    setPinnedId(null);
    announce(t('announceCalled', { number: token.number, counter: counter.name }));
  }

  /** One press, possibly several requests in turn; the first failure stops it and is shown. */
  function attempt(work: () => Promise<void>) {
    if (busy) return;
    begin();
    work()
      .catch(setError)
      .finally(refreshHistory);
  }

  async function callNextNow(): Promise<void> {
    const key = idempotency.keyFor(`call-next:${counter.id}`);
    const { token } = await callNext.mutateAsync({ counterId: counter.id, departmentId: department.id, key });
    idempotency.done();
    announceCalled(token);
  }

  /**
   * The current patient completed (or sent on) and the next one called. For the counter's latest call
   * it is one request, which the server does whole or not at all; a press again after a failure, with
   * the same patient and destination, resends the same Idempotency-Key, so the server answers with
   * what it did instead of completing the patient it called meanwhile. An earlier call on screen
   * (switched to) is completed by itself first.
   */
  async function completeAndNextNow(patient: Token, onward: string | undefined): Promise<void> {
    if (patient.id !== latest?.id) {
      await action.mutateAsync({ tokenId: patient.id, action: 'complete', departmentId: department.id, body: onward ? { nextDepartmentId: onward } : undefined });
      setSendTo('');
      return callNextNow();
    }
    const key = idempotency.keyFor(`complete-and-call-next:${counter.id}:${patient.id}:${onward ?? ''}`);
    const { token } = await completeAndNext.mutateAsync({ counterId: counter.id, departmentId: department.id, nextDepartmentId: onward, key });
    idempotency.done();
    setSendTo('');
    announceCalled(token);
  }

  /** "Call next": straight away at an empty counter; otherwise it first asks what becomes of the patient here. */
  function requestCallNext() {
    if (busy) return;
    if (current) setAsking(true);
    else attempt(callNextNow);
  }

  function doCompleteAndNext() {
    const patient = current;
    if (!patient || !can.complete) return;
    attempt(() => completeAndNextNow(patient, sendTo || undefined));
  }

  function choose(fate: CurrentFate) {
    setAsking(false);
    const patient = current;
    if (!patient) return attempt(callNextNow);
    attempt(async () => {
      if (fate.kind === 'complete') return completeAndNextNow(patient, undefined);
      if (fate.kind === 'sendOn') return completeAndNextNow(patient, fate.departmentId);
      if (fate.kind === 'park') await action.mutateAsync({ tokenId: patient.id, action: 'park', departmentId: department.id });
      return callNextNow();
    });
  }

  function run(input: Omit<TokenActionInput, 'departmentId'>, describe: (token: Token) => string) {
    if (busy) return;
    begin();
    action.mutate({ ...input, departmentId: department.id }, {
      onSuccess: ({ token }) => announce(describe(token)),
      onError: setError,
      onSettled: refreshHistory,
    });
  }

  // The buttons ask the state machine the server enforces (packages/contracts).
  const allows = (token: Token | undefined, step: StaffAction) => token !== undefined && canTransition(token.status, step);
  const can = {
    recall: allows(current, 'recall'),
    start: allows(current, 'start'),
    complete: allows(current, 'complete'),
    park: allows(current, 'park'),
    noShow: allows(current, 'no_show'),
    transfer: allows(current, 'transfer') && Boolean(transferTo),
  };
  /** Why a button is greyed out, said on the button (its tooltip), so nobody wonders. */
  const whyNot = (allowed: boolean): string | undefined => {
    if (busy) return t('whyBusy');
    if (!current) return t('whyNoPatient');
    return allowed ? undefined : t('whyStatus', { number: current.number, status: common(`status.${current.status}`) });
  };
  const why = {
    recall: whyNot(can.recall),
    start: whyNot(can.start),
    complete: whyNot(can.complete),
    park: whyNot(can.park),
    noShow: whyNot(can.noShow),
    transfer: whyNot(allows(current, 'transfer')) ?? (transferTo ? undefined : t('whyChooseDepartment')),
    undo: busy ? t('whyBusy') : undefined,
  };

  const actions = {
    recall: () => {
      if (!current || !can.recall) return;
      run({ tokenId: current.id, action: 'recall' }, (tok) =>
        tok.status === 'no_show' ? t('announceRecallNoShow', { number: tok.number }) : t('announceRecall', { number: tok.number }),
      );
    },
    start: () => {
      if (!current || !can.start) return;
      run({ tokenId: current.id, action: 'start' }, (tok) => t('announceStart', { number: tok.number }));
    },
    complete: () => {
      if (!current || !can.complete) return;
      const next = sendTo;
      run({ tokenId: current.id, action: 'complete', body: next ? { nextDepartmentId: next } : undefined }, (tok) => {
        setSendTo('');
        return next ? t('announceSent', { number: tok.number, department: nameOf(next) }) : t('announceComplete', { number: tok.number });
      });
    },
    park: () => {
      if (!current || !can.park) return;
      run({ tokenId: current.id, action: 'park' }, (tok) => t('announcePark', { number: tok.number, count: department.parkReturnAfter }));
    },
    noShow: () => {
      if (!current || !can.noShow) return;
      run({ tokenId: current.id, action: 'no-show' }, (tok) => t('announceNoShow', { number: tok.number }));
    },
    transfer: () => {
      if (!current || !can.transfer) return;
      const to = transferTo;
      run({ tokenId: current.id, action: 'transfer', body: { departmentId: to } }, (tok) => {
        setTransferTo('');
        return t('announceTransfer', { number: tok.number, department: nameOf(to) });
      });
    },
    callThis: (token: Token) => {
      run({ tokenId: token.id, action: 'call', body: { counterId: counter.id } }, (tok) => {
        setPinnedId(null);
        return t('announceCalled', { number: tok.number, counter: counter.name });
      });
    },
    askUndo: () => {
      if (undoTarget) setUndoOf({ id: undoTarget.token.id, number: undoTarget.token.number });
    },
    undo: () => {
      if (!undoOf) return;
      const target = undoOf;
      setUndoOf(null);
      run({ tokenId: target.id, action: 'undo' }, (tok) => {
        setPinnedId(null);
        return t('announceUndo', { number: tok.number, status: common(`status.${tok.status}`) });
      });
    },
  };

  /** A past patient back to this counter: the counter's own change undone, or a waiting token called again. */
  function callBack(entry: CounterAction, how: 'undo' | 'call') {
    if (how === 'call') return actions.callThis(entry.token);
    run({ tokenId: entry.token.id, action: 'undo' }, (tok) => {
      // Back at the counter with its first call time: shown as the patient here now, whoever was called since.
      setPinnedId(tok.id);
      return t('announceCalledBack', { number: tok.number, counter: counter.name, status: common(`status.${tok.status}`) });
    });
  }

  useShortcuts([
    { code: 'KeyN', run: requestCallNext, enabled: !busy },
    { code: 'KeyN', shift: true, run: doCompleteAndNext, enabled: !busy && can.complete },
    { code: 'KeyR', run: actions.recall, enabled: !busy && can.recall },
    { code: 'KeyS', run: actions.start, enabled: !busy && can.start },
    { code: 'KeyC', run: actions.complete, enabled: !busy && can.complete },
    { code: 'KeyP', run: actions.park, enabled: !busy && can.park },
    { code: 'KeyT', run: () => transferRef.current?.focus(), enabled: Boolean(current) },
    { code: 'KeyU', run: actions.askUndo, enabled: !busy && Boolean(undoTarget) },
  ]);

  // Where a patient may be sent on or transferred: departments that take new tokens.
  const others = activeOnly(departments).filter((d) => d.id !== department.id);

  return (
    <>
      <div className="console-bar">
        <div className="console-where-next">
          <p className="console-where">
            <strong>{counter.name}</strong> · {names.of(department)} <LiveBadge state={live} />
          </p>
          <NextUp token={queue.data?.waiting[0]} />
        </div>
        <div className="button-row">
          {current ? (
            <>
              <Button size="big" onClick={doCompleteAndNext} disabled={busy || !can.complete} title={why.complete} aria-keyshortcuts={keys('Shift+N')}>
                {completeAndNext.isPending ? t('calling') : t('completeAndNext')} <KeyHint keys={keys('Shift+N')} />
              </Button>
              <Button size="big" tone="secondary" onClick={requestCallNext} disabled={busy} title={busy ? t('whyBusy') : undefined} aria-keyshortcuts={keys('N')} aria-haspopup="dialog">
                {t('callNextAsk')} <KeyHint keys={keys('N')} />
              </Button>
            </>
          ) : (
            <Button size="big" onClick={requestCallNext} disabled={busy} title={busy ? t('whyBusy') : undefined} aria-keyshortcuts={keys('N')}>
              {callNext.isPending ? t('calling') : t('callNext')} <KeyHint keys={keys('N')} />
            </Button>
          )}
        </div>
      </div>

      <div role="status" className="console-message">
        {message}
      </div>
      <ProblemAlert error={error} />

      <div className="console-layout">
        <div className="console-main">
          <CurrentPatient
            token={current}
            department={department}
            others={others}
            can={can}
            why={why}
            keys={keys}
            busy={busy}
            actions={actions}
            sendTo={sendTo}
            onSendTo={setSendTo}
            transferTo={transferTo}
            onTransferTo={setTransferTo}
            transferRef={transferRef}
            undoLabel={undoTarget ? t('undoFor', { number: undoTarget.token.number }) : undefined}
            onUndo={actions.askUndo}
            alsoHere={alsoHere}
            onSwitch={setPinnedId}
          />
          <Journey tokenId={current?.id} departments={departments} />
          <TokenMessages tokenId={current?.id} />
        </div>
        <div className="console-side">
          <WaitingList queue={queue.data} department={department} counter={counter} busy={busy} onCall={actions.callThis} />
          <RecentlyServed entries={recent.data} counter={counter} departments={departments} busy={busy} onCallBack={callBack} />
          <section className="card" aria-labelledby="shortcuts-heading">
            <h2 id="shortcuts-heading">{t('keyboard')}</h2>
            <CharacterKeySetting />
            {keys('N') && <p className="field-hint">{t('keyboardHint')}</p>}
            <ShortcutList
              items={[
                { keys: 'N', label: t('callNext') },
                { keys: 'Shift+N', label: t('completeAndNext') },
                { keys: 'R', label: t('recall') },
                { keys: 'S', label: t('start') },
                { keys: 'C', label: t('complete') },
                { keys: 'P', label: t('park') },
                { keys: 'T', label: t('kbdTransfer') },
                { keys: 'U', label: t('undo') },
              ]}
            />
          </section>
        </div>
      </div>

      {asking && current && <CallNextDialog current={current} counterName={counter.name} others={others} onChoose={choose} onCancel={() => setAsking(false)} />}
      {undoOf && <UndoDialog target={undoOf} departments={departments} onCancel={() => setUndoOf(null)} onConfirm={actions.undo} />}
    </>
  );
}
