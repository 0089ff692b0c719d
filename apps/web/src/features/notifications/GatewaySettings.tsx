import type { Gateway } from '@smart-token/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert, Badge, Button, Field } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors, localProblem, type FieldSpecs } from '../errors/ProblemAlert';
import { useSaveGateway } from './notifications';
import { Notice } from './parts';
import './messages';
import './notifications.css';

/** An empty box means "none" for a From number. */
const numberOrNull = (text: string): string | null => (text.trim() === '' ? null : text.trim());

/** The settings as they are, when the admin may not change them here. */
function ReadOnlyGateway({ gateway }: { gateway: Gateway }) {
  const { t } = useTranslation('notifications');
  const notSet = t('notSet');
  return (
    <dl className="gateway-values">
      <dt>{t('accountSid')}</dt>
      <dd>
        <code>{gateway.accountSid ?? notSet}</code>
      </dd>
      <dt>{t('authToken')}</dt>
      <dd>{gateway.authTokenSet ? <Badge tone="ok">{t('saved')}</Badge> : notSet}</dd>
      <dt>{t('fromSms')}</dt>
      <dd dir="ltr">{gateway.fromSms ?? notSet}</dd>
      <dt>{t('fromWhatsapp')}</dt>
      <dd dir="ltr">{gateway.fromWhatsapp ?? notSet}</dd>
    </dl>
  );
}

/**
 * Where messages go: Twilio (SMS, WhatsApp) or, with no gateway, the outbox log. Set in the
 * server's environment, it is shown read-only; otherwise the admin sets it. The auth token is
 * never shown nor prefilled: "saved" says one is kept, and an empty box keeps it.
 */
export function GatewaySettings({ gateway }: { gateway: Gateway }) {
  const { t } = useTranslation('notifications');
  const save = useSaveGateway();
  const [accountSid, setAccountSid] = useState(gateway.accountSid ?? '');
  const [authToken, setAuthToken] = useState('');
  const [fromSms, setFromSms] = useState(gateway.fromSms ?? '');
  const [fromWhatsapp, setFromWhatsapp] = useState(gateway.fromWhatsapp ?? '');
  const [missing, setMissing] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState('');
  const fields: FieldSpecs = { accountSid: t('accountSid'), authToken: { label: t('authToken'), kind: 'password' }, fromSms: t('fromSms'), fromWhatsapp: t('fromWhatsapp') };
  const errors = { ...fieldErrors(save.error, fields), ...missing };
  const fromEnvironment = gateway.source === 'environment';

  function submit(event: FormEvent) {
    event.preventDefault();
    if (save.isPending) return;
    setNotice('');
    const needed: Record<string, string> = {};
    if (accountSid.trim() === '') needed.accountSid = localProblem('accountSid', 'required', fields);
    // A first setting needs the token; later, an empty box keeps the saved one.
    if (authToken.trim() === '' && !gateway.authTokenSet) needed.authToken = localProblem('authToken', 'required', fields);
    setMissing(needed);
    if (Object.keys(needed).length > 0) return;
    save.mutate(
      { accountSid: accountSid.trim(), ...(authToken.trim() !== '' && { authToken: authToken.trim() }), fromSms: numberOrNull(fromSms), fromWhatsapp: numberOrNull(fromWhatsapp) },
      {
        onSuccess: () => {
          setAuthToken('');
          setNotice(t('gatewaySaved'));
        },
      },
    );
  }

  return (
    <section className="admin-form" aria-labelledby="gateway-heading">
      <h3 id="gateway-heading">{t('gateway')}</h3>
      {gateway.provider === 'outbox' ? (
        <Alert tone="info">
          <strong>{t('gatewayNone')}</strong> {t('gatewayNoneBody')}
        </Alert>
      ) : (
        <p>
          <Badge tone="ok">{t('gatewayTwilio')}</Badge> {t('gatewayTwilioBody')}
        </p>
      )}
      {fromEnvironment ? (
        <>
          <p className="muted">{t('gatewayFromEnvironment')}</p>
          <ReadOnlyGateway gateway={gateway} />
        </>
      ) : (
        <form onSubmit={submit} noValidate aria-label={t('gateway')}>
          <div className="form-grid">
            <Field label={t('accountSid')} value={accountSid} onChange={(e) => setAccountSid(e.target.value)} maxLength={34} autoComplete="off" spellCheck={false} dir="ltr" hint={t('accountSidHint')} error={errors.accountSid} />
            <Field
              label={t('authToken')}
              type="password"
              value={authToken}
              onChange={(e) => setAuthToken(e.target.value)}
              maxLength={128}
              autoComplete="new-password"
              dir="ltr"
              hint={gateway.authTokenSet ? t('authTokenKeepHint') : t('authTokenHint')}
              error={errors.authToken}
            />
            <Field label={t('fromSms')} type="tel" value={fromSms} onChange={(e) => setFromSms(e.target.value)} maxLength={32} autoComplete="off" dir="ltr" hint={t('fromSmsHint')} error={errors.fromSms} />
            <Field
              label={t('fromWhatsapp')}
              type="tel"
              value={fromWhatsapp}
              onChange={(e) => setFromWhatsapp(e.target.value)}
              maxLength={32}
              autoComplete="off"
              dir="ltr"
              hint={t('fromWhatsappHint')}
              error={errors.fromWhatsapp}
            />
          </div>
          {gateway.authTokenSet && (
            <p className="small">
              <Badge tone="ok">{t('saved')}</Badge> {t('authTokenKept')}
            </p>
          )}
          <ProblemAlert error={save.error} fields={fields} />
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? t('saving') : t('saveGateway')}
          </Button>
          <Notice text={notice} />
        </form>
      )}
    </section>
  );
}
