import type { Me } from '@smart-token/contracts';
import QRCode from 'qrcode';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Button, Field } from '../../components/ui/ui';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { useEnableTwoFactor, useTwoFactorSetup } from '../../features/security/security';
import { ApiError } from '../../lib/api';

const SIX_DIGITS = /^\d{6}$/;
const QR_SIZE = 208;

/** The base32 secret in groups of four, as authenticator apps show and people type it. */
const grouped = (secret: string) => secret.replace(/(.{4})/g, '$1 ').trim();

/**
 * Two-step sign-in on the Security page: scan the QR code (or type the key), prove it with a code,
 * then the recovery codes, shown this once. An admin without it is sent here until it is on.
 */
/** `onDone(wasRequired)`: the recovery codes are saved; `wasRequired` when this was an admin's compulsory enrolment. */
export function TwoFactorSection({ me, onDone }: { me: Me; onDone: (wasRequired: boolean) => void }) {
  const { t } = useTranslation('security');
  const setup = useTwoFactorSetup();
  const enable = useEnableTwoFactor();
  const [qr, setQr] = useState('');
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<string>();
  const [recoveryCodes, setRecoveryCodes] = useState<string[]>();
  const [wasRequired, setWasRequired] = useState(false);
  const [copied, setCopied] = useState(false);
  const started = setup.data;

  useEffect(() => {
    if (!started) return;
    let current = true;
    QRCode.toDataURL(started.otpauthUrl, { margin: 1, width: QR_SIZE, errorCorrectionLevel: 'M' }).then(
      (url) => current && setQr(url),
      () => current && setQr(''),
    );
    return () => {
      current = false;
    };
  }, [started]);

  function turnOn(event: FormEvent) {
    event.preventDefault();
    if (enable.isPending) return;
    const typed = code.trim();
    if (!SIX_DIGITS.test(typed)) return setProblem(t(typed ? 'twoFactorCodeInvalid' : 'twoFactorCodeRequired'));
    setProblem(undefined);
    enable.mutate(typed, {
      onSuccess: (result) => {
        setRecoveryCodes(result.recoveryCodes);
        setWasRequired(me.mfaEnrolmentRequired === true);
        setCode('');
      },
    });
  }

  async function copy(codes: string[]) {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  const wrongCode = enable.error instanceof ApiError && enable.error.code === 'VALIDATION_FAILED';

  if (recoveryCodes) {
    return (
      <section aria-labelledby="two-factor-heading" className="two-factor recovery-codes">
        <h2 id="two-factor-heading">
          {t('twoFactorHeading')} <Badge tone="ok">{t('twoFactorOn')}</Badge>
        </h2>
        <p role="status">{t('twoFactorTurnedOn')}</p>
        <h3>{t('recoveryHeading')}</h3>
        <p>{t('recoveryIntro')}</p>
        <ol className="recovery-list" dir="ltr" aria-label={t('recoveryHeading')}>
          {recoveryCodes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ol>
        <p className="two-factor-actions">
          <Button type="button" tone="secondary" onClick={() => void copy(recoveryCodes)}>
            {copied ? t('recoveryCopied') : t('recoveryCopy')}
          </Button>
          <Button type="button" tone="secondary" onClick={() => window.print()}>
            {t('recoveryPrint')}
          </Button>
          <Button
            type="button"
            onClick={() => {
              setRecoveryCodes(undefined);
              onDone(wasRequired);
            }}
          >
            {t('recoverySaved')}
          </Button>
        </p>
      </section>
    );
  }

  if (me.twoFactorEnabled) {
    return (
      <section aria-labelledby="two-factor-heading" className="two-factor">
        <h2 id="two-factor-heading">
          {t('twoFactorHeading')} <Badge tone="ok">{t('twoFactorOn')}</Badge>
        </h2>
        <p>{t('twoFactorOnText')}</p>
      </section>
    );
  }

  return (
    <section aria-labelledby="two-factor-heading" className="two-factor">
      <h2 id="two-factor-heading">
        {t('twoFactorHeading')} <Badge tone="warn">{t('twoFactorOff')}</Badge>
      </h2>
      <p>{t(me.role === 'admin' ? 'twoFactorIntroAdmin' : 'twoFactorIntro')}</p>
      <ProblemAlert error={setup.error} />
      {!started ? (
        <Button type="button" disabled={setup.isPending} onClick={() => setup.mutate()}>
          {t('twoFactorStart')}
        </Button>
      ) : (
        <ol className="two-factor-steps">
          <li>{t('twoFactorStepApp')}</li>
          <li>
            {t('twoFactorStepScan')}
            <div className="two-factor-qr">{qr && <img src={qr} width={QR_SIZE} height={QR_SIZE} alt={t('twoFactorQrAlt')} />}</div>
            <p className="field-hint">{t('twoFactorManual')}</p>
            <p>
              <code className="two-factor-secret" dir="ltr" aria-label={t('twoFactorKey')}>
                {grouped(started.secret)}
              </code>
            </p>
          </li>
          <li>
            <form onSubmit={turnOn} noValidate className="security-form">
              <Field
                label={t('twoFactorCode')}
                hint={t('twoFactorCodeHint')}
                autoComplete="one-time-code"
                inputMode="numeric"
                dir="ltr"
                maxLength={6}
                value={code}
                onChange={(e) => setCode(e.target.value)}
                error={problem ?? (wrongCode ? t('twoFactorCodeWrong') : undefined)}
              />
              {!wrongCode && <ProblemAlert error={enable.error} />}
              <p className="two-factor-actions">
                <Button type="submit" disabled={enable.isPending}>
                  {t('twoFactorEnable')}
                </Button>
                <Button type="button" tone="secondary" disabled={setup.isPending} onClick={() => setup.mutate()}>
                  {t('twoFactorNewKey')}
                </Button>
              </p>
            </form>
          </li>
        </ol>
      )}
    </section>
  );
}
