import { AUDIT_EVENT_TYPES, type AuditEntry, type AuditExportQuery, type AuditFilter } from '@smart-token/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert, Badge, Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert, type FieldSpecs } from '../errors/ProblemAlert';
import { useUsers } from '../users/users';
import { downloadAuditExport, useAuditTrail, type ExportVerification } from './audit';
import './audit.css';
import './messages';

/** The event types by their first part (auth, admin, patient…), for the filter's groups. */
const GROUPS = [...new Set(AUDIT_EVENT_TYPES.map((type) => type.split('.')[0]!))];

interface Draft {
  from: string;
  to: string;
  actor: string;
  token: string;
  type: string;
}
const EMPTY: Draft = { from: '', to: '', actor: '', token: '', type: '' };

/** A `datetime-local` value (the browser's own zone) as the API's ISO time. */
const isoOf = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

function filterOf(draft: Draft): AuditFilter {
  const from = isoOf(draft.from);
  const to = isoOf(draft.to);
  const token = draft.token.trim().toUpperCase();
  return { ...(from && { from }), ...(to && { to }), ...(draft.actor && { actor: draft.actor }), ...(token && { token }), ...(draft.type && { type: draft.type }) };
}

const OUTCOME_TONE = { success: 'ok', failure: 'warn', denied: 'warn' } as const;

/**
 * The audit trail for admins and auditors: filters (time, who, token number, event), the entries
 * newest first a page at a time, and exports that say whether the chain verified whole.
 */
export function AuditTrail() {
  const { t, i18n } = useTranslation('audit');
  const users = useUsers();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [filter, setFilter] = useState<AuditFilter>({});
  const trail = useAuditTrail(filter);
  const [exporting, setExporting] = useState<AuditExportQuery['format'] | undefined>();
  const [exported, setExported] = useState<{ verification: ExportVerification | undefined; filename: string } | undefined>();
  const [exportError, setExportError] = useState<unknown>();
  const entries = trail.data?.pages.flatMap((page) => page.entries) ?? [];
  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'medium' });
  const fields: FieldSpecs = { 'querystring.from': t('from'), 'querystring.to': t('to'), 'querystring.token': t('token'), 'querystring.actor': t('actor'), 'querystring.type': t('type') };
  const set = (name: keyof Draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [name]: e.target.value }));

  function apply(e: FormEvent) {
    e.preventDefault();
    const next = filterOf(draft);
    setExported(undefined);
    // The same filters again: read them again (new entries), rather than keep the page shown.
    if (JSON.stringify(next) === JSON.stringify(filter)) void trail.refetch();
    else setFilter(next);
  }

  async function exportAs(format: AuditExportQuery['format']) {
    setExporting(format);
    setExportError(undefined);
    setExported(undefined);
    try {
      setExported(await downloadAuditExport(format, filter));
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(undefined);
    }
  }

  return (
    <div className="audit-trail">
      <p className="muted">
        {t('intro')} {t('delay')}
      </p>
      <form onSubmit={apply} aria-label={t('filters')}>
        <div className="form-grid">
          <Field label={t('from')} type="datetime-local" value={draft.from} onChange={set('from')} />
          <Field label={t('to')} type="datetime-local" value={draft.to} onChange={set('to')} />
          <Select label={t('actor')} value={draft.actor} onChange={set('actor')}>
            <option value="">{t('anyone')}</option>
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email})
              </option>
            ))}
          </Select>
          <Field label={t('token')} hint={t('tokenHint')} value={draft.token} onChange={set('token')} maxLength={24} autoComplete="off" className="code-input" />
          <Select label={t('type')} value={draft.type} onChange={set('type')}>
            <option value="">{t('allTypes')}</option>
            {GROUPS.map((group) => (
              <optgroup key={group} label={t(`group.${group}`)}>
                {AUDIT_EVENT_TYPES.filter((type) => type.startsWith(`${group}.`)).map((type) => (
                  <option key={type} value={type}>
                    {type}
                  </option>
                ))}
              </optgroup>
            ))}
          </Select>
        </div>
        <div className="row-actions">
          <Button type="submit">{t('apply')}</Button>
          <Button
            tone="secondary"
            onClick={() => {
              setDraft(EMPTY);
              setFilter({});
            }}
          >
            {t('clear')}
          </Button>
        </div>
      </form>

      <ProblemAlert error={trail.error} fields={fields} />

      <section className="audit-exports" aria-labelledby="audit-exports-title">
        <h3 id="audit-exports-title">{t('exports')}</h3>
        <p className="muted small">{t('exportNote')}</p>
        <div className="row-actions">
          <Button tone="secondary" disabled={exporting !== undefined} onClick={() => void exportAs('csv')}>
            {exporting === 'csv' ? t('exporting') : t('exportCsv')}
          </Button>
          <Button tone="secondary" disabled={exporting !== undefined} onClick={() => void exportAs('jsonl')}>
            {exporting === 'jsonl' ? t('exporting') : t('exportJsonl')}
          </Button>
        </div>
        <ProblemAlert error={exportError} fields={fields} />
        {exported && <ExportResult {...exported} />}
      </section>

      <p role="status" className="muted">
        {trail.isPending ? t('loading') : entries.length === 0 ? t('none') : `${t('shown', { count: entries.length })}${trail.hasNextPage ? ` ${t('olderRemain')}` : ''}`}
      </p>
      {entries.length > 0 && (
        <div className="table-scroll">
          <table className="audit-table">
            <caption>{t('caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('colTime')}</th>
                <th scope="col">{t('colWho')}</th>
                <th scope="col">{t('colWhat')}</th>
                <th scope="col">{t('colToken')}</th>
                <th scope="col">{t('colOutcome')}</th>
                <th scope="col">{t('colAddress')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <EntryRow key={entry.seq} entry={entry} time={time.format(new Date(entry.at))} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {trail.hasNextPage && (
        <Button tone="secondary" disabled={trail.isFetchingNextPage} onClick={() => void trail.fetchNextPage()}>
          {trail.isFetchingNextPage ? t('loading') : t('loadMore')}
        </Button>
      )}
    </div>
  );
}

function EntryRow({ entry, time }: { entry: AuditEntry; time: string }) {
  const { t } = useTranslation('audit');
  const more = entry.tokenCount - entry.tokens.length;
  return (
    <tr data-seq={entry.seq}>
      <th scope="row" className="audit-time">
        <time dateTime={entry.at}>{time}</time>
      </th>
      <td>{entry.actor.label ?? t(`actor.${entry.actor.kind}`)}</td>
      <td>
        <code>{entry.type}</code>
        <div className="small muted">{entry.action}</div>
      </td>
      <td>
        {entry.tokens.map((token) => token.number ?? `${token.id.slice(0, 8)}…`).join(', ')}
        {more > 0 && <span className="small muted"> {t('moreTokens', { count: more })}</span>}
      </td>
      <td>
        <Badge tone={OUTCOME_TONE[entry.outcome]}>{t(`outcome.${entry.outcome}`)}</Badge>
      </td>
      <td>{entry.ip ? <code>{entry.ip}</code> : ''}</td>
    </tr>
  );
}

function ExportResult({ verification, filename }: { verification: ExportVerification | undefined; filename: string }) {
  const { t } = useTranslation('audit');
  if (!verification) return <Alert tone="info">{t('unverified', { filename })}</Alert>;
  return verification.ok ? (
    <Alert tone="info">
      {t('whole', { entries: verification.entries, checkpoints: verification.checkpoints, filename })} <code className="small">{verification.raw}</code>
    </Alert>
  ) : (
    <Alert>
      {t('broken', { seq: verification.seq, kind: t(`kind.${verification.kind}`), filename })} <code className="small">{verification.raw}</code>
    </Alert>
  );
}
