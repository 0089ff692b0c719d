import type { Department, Gateway, Language, NotificationTrigger, PatientChannel } from '@smart-token/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Field, Select } from '../../components/ui/ui';
import { LANGUAGES } from '../../i18n';
import { ProblemAlert, fieldErrors, localProblem, type FieldSpecs } from '../errors/ProblemAlert';
import { usePhoneFormat } from '../patients/patients';
import { useSendTestMessage } from './notifications';
import { StateBadge, useMessageText } from './parts';
import { CHANNELS, TRIGGERS } from './vocabulary';
import { ScopeSelect } from './Templates';
import './messages';
import './notifications.css';

/**
 * Sends one message's current text (with example values) to a phone now, and says what became of
 * it: taken by the gateway, refused (the gateway's reason), or written to the outbox log.
 */
export function TestMessage({ departments, gateway }: { departments: Department[]; gateway: Gateway }) {
  const { t } = useTranslation('notifications');
  const words = useMessageText();
  const send = useSendTestMessage();
  const phoneFormat = usePhoneFormat();
  const [to, setTo] = useState('');
  const [channel, setChannel] = useState<PatientChannel>('sms');
  const [language, setLanguage] = useState<Language>('en');
  const [trigger, setTrigger] = useState<NotificationTrigger>('called');
  const [scope, setScope] = useState('');
  const [missing, setMissing] = useState('');
  const example = phoneFormat.data?.example;
  const fields: FieldSpecs = { to: { label: t('phone'), kind: 'phone', ...(example && { example }) }, channel: t('channel'), language: t('language'), trigger: t('trigger') };
  const errors = fieldErrors(send.error, fields);
  const result = send.data;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (send.isPending) return;
    if (to.trim() === '') return setMissing(localProblem('to', 'required', fields));
    setMissing('');
    send.mutate({ to: to.trim(), channel, language, trigger, ...(scope !== '' && { departmentId: scope }) });
  }

  return (
    <section className="admin-form" aria-labelledby="test-message-heading">
      <h3 id="test-message-heading">{t('testTitle')}</h3>
      <p className="muted">{gateway.provider === 'outbox' ? t('testIntroOutbox') : t('testIntro')}</p>
      <form onSubmit={submit} noValidate aria-labelledby="test-message-heading">
        <div className="form-grid">
          <Field
            label={t('phone')}
            type="tel"
            inputMode="tel"
            autoComplete="off"
            dir="ltr"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            maxLength={32}
            hint={example ? t('phoneHintExample', { example }) : undefined}
            error={missing || errors.to}
          />
          <Select label={t('channel')} value={channel} onChange={(e) => setChannel(e.target.value as PatientChannel)}>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {words.channel(c)}
              </option>
            ))}
          </Select>
          <Select label={t('language')} value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.label}
              </option>
            ))}
          </Select>
          <Select label={t('trigger')} value={trigger} onChange={(e) => setTrigger(e.target.value as NotificationTrigger)}>
            {TRIGGERS.map((x) => (
              <option key={x} value={x}>
                {words.trigger(x)}
              </option>
            ))}
          </Select>
          <ScopeSelect departments={departments} value={scope} onChange={setScope} label={t('textsOf')} />
        </div>
        <ProblemAlert error={send.error} fields={fields} />
        <Button type="submit" disabled={send.isPending}>
          {send.isPending ? t('sending') : t('sendTest')}
        </Button>
      </form>
      <div role="status" className="test-result">
        {result && (
          <>
            <p>
              {t('testResult', { channel: words.channel(result.channel) })} <StateBadge state={result.state} />
            </p>
            {result.channel === 'outbox' && <p className="muted">{t('testOutbox')}</p>}
            {result.error && (
              <p className="field-error">
                {t('reason')}: <span lang="en">{result.error}</span>
              </p>
            )}
            <p className="template-preview-text" lang={send.variables?.language} dir="auto" data-testid="test-message-body">
              {result.body}
            </p>
          </>
        )}
      </div>
    </section>
  );
}
