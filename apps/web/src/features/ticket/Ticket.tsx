import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { registerMessages } from '../../i18n';
import './ticket.css';

registerMessages('ticket', {
  en: { yourToken: 'Your token', scan: 'Scan to follow your place live', ahead: 'Position {{position}} · about {{min}}–{{max}} min', print: 'Print ticket', printA6: 'Print A6' },
  hi: { yourToken: 'आपका टोकन', scan: 'अपनी बारी लाइव देखने के लिए स्कैन करें', ahead: 'क्रम {{position}} · लगभग {{min}}–{{max}} मिनट', print: 'टिकट प्रिंट करें', printA6: 'A6 प्रिंट करें' },
  ar: { yourToken: 'رقمك', scan: 'امسح الرمز لمتابعة دورك مباشرة', ahead: 'الترتيب {{position}} · حوالي \u2066{{min}}–{{max}}\u2069 دقيقة', print: 'اطبع التذكرة', printA6: 'اطبع A6' },
});

export interface TicketData {
  number: string;
  departmentName: string;
  issuedAt: string;
  statusUrl: string;
  position?: number;
  estimatedWait?: { minMinutes: number; maxMinutes: number };
}

export type TicketFormat = 'thermal' | 'a6';

/** Prints only the ticket: 80 mm thermal roll by default, or A6 paper. */
export function printTicket(format: TicketFormat = 'thermal'): void {
  document.body.dataset.print = format;
  window.print();
}

/** The paper ticket: number, department, time and a QR code of the patient's status link. */
export function Ticket({ data }: { data: TicketData }) {
  const { t, i18n } = useTranslation('ticket');
  const [qr, setQr] = useState('');
  useEffect(() => {
    let current = true;
    QRCode.toString(data.statusUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }).then((svg) => current && setQr(svg), () => setQr(''));
    return () => {
      current = false;
    };
  }, [data.statusUrl]);
  const issued = new Date(data.issuedAt).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <section className="ticket" aria-label={`${t('yourToken')} ${data.number}`}>
      <p className="ticket-label">{t('yourToken')}</p>
      <p className="ticket-number">{data.number}</p>
      <p className="ticket-department">{data.departmentName}</p>
      <p className="ticket-time">{issued}</p>
      {data.position !== undefined && data.estimatedWait && (
        <p className="ticket-wait">{t('ahead', { position: data.position, min: data.estimatedWait.minMinutes, max: data.estimatedWait.maxMinutes })}</p>
      )}
      {qr && <div className="ticket-qr" role="img" aria-label={t('scan')} dangerouslySetInnerHTML={{ __html: qr }} />}
      <p className="ticket-scan">{t('scan')}</p>
    </section>
  );
}
