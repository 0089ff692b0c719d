import type { Department, JoinCode } from '@smart-token/contracts';
import QRCode from 'qrcode';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '../../components/ui/ui';
import { ProblemAlert } from '../errors/ProblemAlert';
import { get } from '../../lib/api';
import './messages';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The waiting area's poster for a `phone` department: a QR code of the join page with today's code
 * (in the address's fragment, never sent to a server), printed from a page of its own.
 */
export function JoinPosterButton({ department }: { department: Department }) {
  const { t, i18n } = useTranslation('devices');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function print() {
    setError(undefined);
    setBusy(true);
    // Opened at once (inside the click), filled when the code has come: browsers block a later window.
    const poster = window.open('', '_blank');
    try {
      const code = await get<JoinCode>(`/departments/${encodeURIComponent(department.id)}/join-code`);
      const svg = await QRCode.toString(code.url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      const until = new Date(code.validUntil).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
      const name = escapeHtml((department.names as Partial<Record<string, string>>)[i18n.language] ?? department.name);
      const dir = i18n.language === 'ar' ? 'rtl' : 'ltr';
      if (!poster) throw new Error(t('posterPrint'));
      poster.document.write(`<!doctype html><html lang="${i18n.language}" dir="${dir}"><head><meta charset="utf-8"><title>${name}</title>
<style>body{font-family:system-ui,sans-serif;text-align:center;margin:2cm}h1{font-size:2.4rem;margin:0 0 .5rem}h2{font-size:1.8rem;margin:0 0 1rem}
p{font-size:1.3rem;max-width:32em;margin:1rem auto}.qr svg{width:12cm;height:auto}.small{font-size:1rem;color:#444}</style></head>
<body><h1>${escapeHtml(t('posterTitle'))}</h1><h2>${name}</h2><div class="qr">${svg}</div><p>${escapeHtml(t('posterLead'))}</p>
<p class="small">${escapeHtml(t('posterValid', { time: until }))}</p></body></html>`);
      poster.document.close();
      poster.focus();
      poster.print();
    } catch (e) {
      poster?.close();
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Button tone="secondary" className="btn-small" disabled={busy} onClick={() => void print()}>
        {t('poster')}
      </Button>
      <ProblemAlert error={error} />
    </>
  );
}
