import { canTransition, type Counter, type Department, type StaffAction, type Token } from '@smart-token/contracts';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Shell } from '../../app/Shell';
import { Button, Select } from '../../components/ui/ui';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { CharacterKeySetting, KeyHint, ShortcutList } from '../../features/keyboard/ShortcutList';
import { useShortcutKeys } from '../../features/keyboard/preference';
import { useShortcuts } from '../../features/keyboard/shortcuts';
import { useCallNext, useCompleteAndCallNext, useIdempotencyKey, useTokenAction, type TokenActionInput } from '../../features/queue/actions';
import { LiveBadge } from '../../features/queue/components';
import { useLiveDepartments, useQueue } from '../../features/queue/queue';
import { useCounters, useDepartments } from '../../features/setup/setup';
import { CurrentPatient } from './CurrentPatient';
import { Journey } from './Journey';
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
  const counters = useCounters();
  const departments = useDepartments();
  const [counterId, setCounterId] = useState(() => localStorage.getItem(COUNTER_KEY) ?? '');
  const counter = counters.data?.find((c) => c.id === counterId);
  const department = departments.data?.find((d) => d.id === counter?.departmentId);

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
      {counters.data && departments.data && (
        <CounterPicker counters={counters.data} departments={departments.data} value={counter ? counterId : ''} onChange={chooseCounter} />
      )}
      {counter && department && departments.data && <Console key={counter.id} counter={counter} department={department} departments={departments.data} />}
    </Shell>
  );
}

function CounterPicker({ counters, departments, value, onChange }: { counters: Counter[]; departments: Department[]; value: string; onChange: (id: string) => void }) {
  const { t } = useTranslation('counter');
  if (counters.length === 0) return <p className="alert alert-info">{t('noCounters')}</p>;
  return (
    <div className={value ? 'counter-picker' : 'counter-picker card'}>
      <Select label={value ? t('yourCounter') : t('chooseCounter')} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('chooseCounter')}</option>
        {departments.map((d) => {
          const own = counters.filter((c) => c.departmentId === d.id);
          return own.length === 0 ? null : (
            <optgroup key={d.id} label={`${d.name} (${d.code})`}>
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
  const departmentIds = useMemo(() => [department.id], [department.id]);
  const live = useLiveDepartments(departmentIds);
  const callNext = useCallNext();
  const completeAndNext = useCompleteAndCallNext();
  const action = useTokenAction();
  const idempotency = useIdempotencyKey();
  const [message, setMessage] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [lastActed, setLastActed] = useState<{ id: string; number: string } | null>(null);
  const [sendTo, setSendTo] = useState('');
  const [transferTo, setTransferTo] = useState('');
  const [undoOpen, setUndoOpen] = useState(false);
  const transferRef = useRef<HTMLSelectElement>(null);

  // The current patient is the latest call still open here, unless the user switched to an earlier one.
  const [pinnedId, setPinnedId] = useState<string | null>(null);
  const here = queue.data ? atCounter(counter.id, queue.data.called, queue.data.serving) : [];
  const latest = here[0];
  const current = here.find((token) => token.id === pinnedId) ?? latest;
  const alsoHere = here.filter((token) => token !== current);
  const undoTarget = lastActed ?? (current ? { id: current.id, number: current.number } : null);
  const busy = callNext.isPending || completeAndNext.isPending || action.isPending;
  const nameOf = (id: string) => departments.find((d) => d.id === id)?.name ?? '';
  const keys = useShortcutKeys();
  const announce: Announce = (text) => setMessage(text);

  function begin() {
    setError(null);
    setMessage('');
  }

  function announceCalled(token: Token | null) {
    if (!token) return announce(t('announceNobody'));
    setPinnedId(null);
    setLastActed({ id: token.id, number: token.number });
    announce(t('announceCalled', { number: token.number, counter: counter.name }));
  }

  function doCallNext() {
    if (busy) return;
    begin();
    const key = idempotency.keyFor(`call-next:${counter.id}`);
    callNext.mutate(
      { counterId: counter.id, departmentId: department.id, key },
      {
        onSuccess: ({ token }) => {
          idempotency.done();
          announceCalled(token);
        },
        onError: setError,
      },
    );
  }

  /**
   * One request: the server completes (or sends on) the counter's latest call and calls the next. A
   * press again after a failure, with the same patient and destination on screen, resends the same
   * Idempotency-Key: if the first press did happen, the server answers with it instead of completing
   * the patient it called meanwhile.
   */
  function doCompleteAndNext() {
    if (busy || !current || !can.completeAndNext) return;
    begin();
    const key = idempotency.keyFor(`complete-and-call-next:${counter.id}:${current.id}:${sendTo}`);
    completeAndNext.mutate(
      { counterId: counter.id, departmentId: department.id, nextDepartmentId: sendTo || undefined, key },
      {
        onSuccess: ({ token }) => {
          idempotency.done();
          setSendTo('');
          announceCalled(token);
        },
        onError: setError,
      },
    );
  }

  function run(input: Omit<TokenActionInput, 'departmentId'>, describe: (token: Token) => string) {
    if (busy) return;
    begin();
    action.mutate({ ...input, departmentId: department.id }, {
      onSuccess: ({ token }) => {
        setLastActed({ id: token.id, number: token.number });
        announce(describe(token));
      },
      onError: setError,
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
    // The server completes the counter's latest call: offered only while that is the patient on screen.
    completeAndNext: current === latest && allows(latest, 'complete'),
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
        setLastActed({ id: tok.id, number: tok.number });
        return t('announceCalled', { number: tok.number, counter: counter.name });
      });
    },
    undo: () => {
      if (!undoTarget) return;
      setUndoOpen(false);
      run({ tokenId: undoTarget.id, action: 'undo' }, (tok) => t('announceUndo', { number: tok.number, status: common(`status.${tok.status}`) }));
    },
  };

  useShortcuts([
    { code: 'KeyN', run: doCallNext, enabled: !busy },
    { code: 'KeyN', shift: true, run: doCompleteAndNext, enabled: !busy && can.completeAndNext },
    { code: 'KeyR', run: actions.recall, enabled: !busy && can.recall },
    { code: 'KeyS', run: actions.start, enabled: !busy && can.start },
    { code: 'KeyC', run: actions.complete, enabled: !busy && can.complete },
    { code: 'KeyP', run: actions.park, enabled: !busy && can.park },
    { code: 'KeyT', run: () => transferRef.current?.focus(), enabled: Boolean(current) },
    { code: 'KeyU', run: () => setUndoOpen(true), enabled: !busy && Boolean(undoTarget) },
  ]);

  const others = departments.filter((d) => d.id !== department.id);

  return (
    <>
      <div className="console-bar">
        <p className="console-where">
          <strong>{counter.name}</strong> · {department.name} <LiveBadge state={live} />
        </p>
        <div className="button-row">
          <Button size="big" onClick={doCallNext} disabled={busy} aria-keyshortcuts={keys('N')}>
            {callNext.isPending ? t('calling') : t('callNext')} <KeyHint keys={keys('N')} />
          </Button>
          {can.completeAndNext && (
            <Button size="big" tone="secondary" onClick={doCompleteAndNext} disabled={busy} aria-keyshortcuts={keys('Shift+N')}>
              {t('completeAndNext')} <KeyHint keys={keys('Shift+N')} />
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
            keys={keys}
            busy={busy}
            actions={actions}
            sendTo={sendTo}
            onSendTo={setSendTo}
            transferTo={transferTo}
            onTransferTo={setTransferTo}
            transferRef={transferRef}
            undoLabel={undoTarget ? t('undoFor', { number: undoTarget.number }) : undefined}
            onUndo={() => setUndoOpen(true)}
            alsoHere={alsoHere}
            onSwitch={setPinnedId}
          />
          <Journey tokenId={current?.id} departments={departments} />
        </div>
        <div className="console-side">
          <WaitingList queue={queue.data} department={department} counter={counter} busy={busy} onCall={actions.callThis} />
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

      {undoOpen && undoTarget && <UndoDialog target={undoTarget} departments={departments} onCancel={() => setUndoOpen(false)} onConfirm={actions.undo} />}
    </>
  );
}
