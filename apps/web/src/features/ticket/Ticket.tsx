import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { registerMessages } from '../../i18n';
import { statusPageOf, typedAddress, useBranding } from './branding';
import { TICKET_FORMATS, usePaperFormat, type TicketFormat } from './paper';
import './ticket.css';

export { printTicket } from './print';
export { paperFormat, setPaperFormat, usePaperFormat, type TicketFormat } from './paper';

registerMessages('ticket', {
  en: {
    yourToken: 'Your token',
    scan: 'Scan to follow your place live',
    orEnter: 'or enter your number and the last 4 digits of your phone at {{address}}',
    ahead: 'Position {{position}} · about {{min}}–{{max}} min',
    print: 'Print ticket',
    printA6: 'Print A6',
    printAgain: 'Print again',
    paper: 'Ticket paper',
    'paper.thermal': '80 mm roll',
    'paper.a6': 'A6 sheet',
    logo: '{{clinic}} logo',
  },
  hi: {
    yourToken: 'आपका टोकन',
    scan: 'अपनी बारी लाइव देखने के लिए स्कैन करें',
    orEnter: 'या {{address}} पर अपना नंबर और अपने फ़ोन के आख़िरी 4 अंक लिखें',
    ahead: 'क्रम {{position}} · लगभग {{min}}–{{max}} मिनट',
    print: 'टिकट प्रिंट करें',
    printA6: 'A6 प्रिंट करें',
    printAgain: 'फिर से प्रिंट करें',
    paper: 'टिकट का कागज़',
    'paper.thermal': '80 मिमी रोल',
    'paper.a6': 'A6 शीट',
    logo: '{{clinic}} का लोगो',
  },
  ar: {
    yourToken: 'رقمك',
    scan: 'امسح الرمز لمتابعة دورك مباشرة',
    orEnter: 'أو أدخل رقمك وآخر 4 أرقام من هاتفك على \u2066{{address}}\u2069',
    ahead: 'الترتيب {{position}} · حوالي \u2066{{min}}–{{max}}\u2069 دقيقة',
    print: 'اطبع التذكرة',
    printA6: 'اطبع A6',
    printAgain: 'اطبع مرة أخرى',
    paper: 'ورق التذكرة',
    'paper.thermal': 'لفافة 80 مم',
    'paper.a6': 'ورقة A6',
    logo: 'شعار {{clinic}}',
  },
});

export interface TicketData {
  number: string;
  departmentName: string;
  issuedAt: string;
  statusUrl: string;
  position?: number;
  estimatedWait?: { minMinutes: number; maxMinutes: number };
}

/**
 * The paper ticket: the clinic's name (and logo), number, department, time, a QR code of the
 * patient's status link, and the address to type for those who cannot scan. `onReady` fires once
 * everything it prints has loaded (the QR code, the clinic's name and logo), so a kiosk can print it.
 */
export function Ticket({ data, onReady }: { data: TicketData; onReady?: () => void }) {
  const { t, i18n } = useTranslation('ticket');
  const { branding, settled } = useBranding();
  const [qr, setQr] = useState('');
  const [logoDone, setLogoDone] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    QRCode.toString(data.statusUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }).then(
      (svg) => current && setQr(svg),
      () => current && setQr(''),
    );
    return () => {
      current = false;
    };
  }, [data.statusUrl]);

  const logo = branding?.logoUrl ?? null;
  const ready = qr !== '' && settled && (logo === null || logoDone === logo);
  useEffect(() => {
    if (ready) onReady?.();
    // Once per ticket: a new ticket (number) makes it ready again.
  }, [ready, data.number]); // eslint-disable-line react-hooks/exhaustive-deps

  const issued = new Date(data.issuedAt).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  const address = typedAddress(branding?.statusUrl ?? statusPageOf(data.statusUrl));
  return (
    <section className="ticket" aria-label={`${t('yourToken')} ${data.number}`}>
      {(branding?.clinicName || logo) && (
        <div className="ticket-clinic">
          {logo && (
            <img
              className="ticket-logo"
              src={logo}
              alt={t('logo', { clinic: branding?.clinicName ?? '' })}
              onLoad={() => setLogoDone(logo)}
              onError={() => setLogoDone(logo)}
            />
          )}
          {branding?.clinicName && <p className="ticket-clinic-name">{branding.clinicName}</p>}
        </div>
      )}
      <p className="ticket-label">{t('yourToken')}</p>
      <p className="ticket-number" dir="ltr">
        {data.number}
      </p>
      <p className="ticket-department">{data.departmentName}</p>
      <p className="ticket-time">{issued}</p>
      {data.position !== undefined && data.estimatedWait && (
        <p className="ticket-wait">{t('ahead', { position: data.position, min: data.estimatedWait.minMinutes, max: data.estimatedWait.maxMinutes })}</p>
      )}
      {qr && <div className="ticket-qr" role="img" aria-label={t('scan')} dangerouslySetInnerHTML={{ __html: qr }} />}
      <p className="ticket-scan">{t('scan')}</p>
      <p className="ticket-address">{t('orEnter', { address })}</p>
    </section>
  );
}

/** This machine's ticket paper, for the desk or kiosk settings: remembered by this browser. */
export function PaperChooser() {
  const { t } = useTranslation('ticket');
  const [format, setFormat] = usePaperFormat();
  return (
    <fieldset className="ticket-paper">
      <legend>{t('paper')}</legend>
      {TICKET_FORMATS.map((f: TicketFormat) => (
        <label key={f}>
          <input type="radio" name="ticket-paper" value={f} checked={format === f} onChange={() => setFormat(f)} /> {t(`paper.${f}`)}
        </label>
      ))}
    </fieldset>
  );
}
