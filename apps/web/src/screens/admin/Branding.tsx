import type { Branding as BrandingValues, MAX_LOGO_BYTES as SERVER_MAX_LOGO_BYTES } from '@smart-token/contracts';
import { useState, type ChangeEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert, Button, Field } from '../../components/ui/ui';
import { ProblemAlert, fieldErrors, type FieldSpecs } from '../../features/errors/ProblemAlert';
import { useBranding, useSaveBranding, useStatusAddress } from '../../features/setup/branding';
import { Notice } from './ConfirmDialog';

// Values, not imports: a value import from the contracts would pull zod into the staff bundle.
const MAX_LOGO_BYTES: typeof SERVER_MAX_LOGO_BYTES = 96 * 1024;
const ACCEPTED = 'image/png,image/jpeg,image/webp';

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'));
    reader.readAsDataURL(file);
  });
}

/** The address a phone is given (QR code, SMS), and a warning when a phone could not open it. */
function StatusAddress() {
  const { t } = useTranslation('admin');
  const address = useStatusAddress();
  if (!address.data) return <ProblemAlert error={address.error} />;
  return (
    <section className="admin-form" aria-labelledby="status-address-heading">
      <h3 id="status-address-heading">{t('statusAddress')}</h3>
      <p>
        {t('statusAddressIntro')} <code className="status-url">{address.data.statusUrl}</code>
      </p>
      {address.data.reachableFromPhones ? (
        <p className="muted">{t('statusAddressOk')}</p>
      ) : (
        <Alert tone="info">
          <strong>{t('loopbackTitle')}</strong> {t('loopbackBody')}
        </Alert>
      )}
    </section>
  );
}

export function Branding() {
  const branding = useBranding();
  return (
    <>
      {branding.data ? <BrandingForm saved={branding.data} /> : <ProblemAlert error={branding.error} />}
      <StatusAddress />
    </>
  );
}

/** Mounted once the saved values arrive, so its fields start from them (and keep what the admin saves). */
function BrandingForm({ saved }: { saved: BrandingValues }) {
  const { t } = useTranslation('admin');
  const save = useSaveBranding();
  const [clinicName, setClinicName] = useState(saved.clinicName);
  const [logo, setLogo] = useState<string | null>(saved.logoDataUrl);
  const [fileError, setFileError] = useState('');
  const [notice, setNotice] = useState('');
  const fields: FieldSpecs = { clinicName: t('clinicName'), logoDataUrl: t('logo') };
  const errors = fieldErrors(save.error, fields);

  async function pick(event: ChangeEvent<HTMLInputElement>) {
    setFileError('');
    const file = event.target.files?.[0];
    if (!file) return;
    if (!ACCEPTED.split(',').includes(file.type)) return setFileError(t('logoType'));
    if (file.size > MAX_LOGO_BYTES) return setFileError(t('logoTooLarge', { kb: MAX_LOGO_BYTES / 1024 }));
    setLogo(await readAsDataUrl(file));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (save.isPending) return;
    setNotice('');
    save.mutate({ clinicName, logoDataUrl: logo }, { onSuccess: () => setNotice(t('brandingSaved')) });
  }

  return (
    <form onSubmit={submit} noValidate className="admin-form" aria-labelledby="branding-heading">
        <h3 id="branding-heading">{t('branding')}</h3>
        <p className="muted">{t('brandingIntro')}</p>
        <div className="form-grid">
          <Field label={t('clinicName')} value={clinicName} onChange={(e) => setClinicName(e.target.value)} maxLength={120} autoComplete="organization" error={errors.clinicName} />
          <div className="field">
            <label htmlFor="logo-file">{t('logo')}</label>
            <input id="logo-file" type="file" accept={ACCEPTED} onChange={(e) => void pick(e)} aria-describedby="logo-note" aria-invalid={fileError || errors.logoDataUrl ? true : undefined} />
            <small id="logo-note" className={fileError || errors.logoDataUrl ? 'field-error' : 'field-hint'}>
              {fileError || errors.logoDataUrl || t('logoHint', { kb: MAX_LOGO_BYTES / 1024 })}
            </small>
          </div>
        </div>
        {logo && (
          <div className="logo-preview">
            <img src={logo} alt={t('logoPreview')} />
            <Button tone="secondary" className="btn-small" onClick={() => setLogo(null)}>
              {t('removeLogo')}
            </Button>
          </div>
        )}
        <ProblemAlert error={save.error} fields={fields} />
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? t('creating') : t('save')}
        </Button>
        <Notice text={notice} />
    </form>
  );
}
