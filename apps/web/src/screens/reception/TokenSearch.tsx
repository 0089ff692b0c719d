import type { Department, Token } from '@smart-token/contracts';
import { useState, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { Field } from '../../components/ui/ui';
import { problemMessage } from '../../features/errors/ProblemAlert';
import { PriorityBadge, StatusBadge } from '../../features/queue/components';
import { TokenActions } from '../../features/reception/TokenActions';
import { useTokenSearch } from '../../features/reception/reception';
import { useDepartmentNames } from '../../features/setup/setup';

/** Any of today's tokens, by number, phone or name, with what reception can do to it. */
export function TokenSearch({ departments, onReprint, inputRef }: { departments: Department[]; onReprint: (token: Token) => void; inputRef?: Ref<HTMLInputElement> }) {
  const { t, i18n } = useTranslation('reception');
  const [query, setQuery] = useState('');
  const search = useTokenSearch(query);
  const tokens = search.data?.tokens ?? [];
  const nameOf = useDepartmentNames(departments).byId;
  const time = (iso: string) => new Date(iso).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' });
  const typed = query.trim();

  return (
    <section className="card token-search" aria-labelledby="find-heading">
      <h2 id="find-heading">{t('findTitle')}</h2>
      <form role="search" aria-labelledby="find-heading" onSubmit={(e) => e.preventDefault()}>
        <Field ref={inputRef} label={t('findLabel')} type="search" autoComplete="off" value={query} onChange={(e) => setQuery(e.target.value)} hint={t('findHint')} maxLength={64} aria-keyshortcuts="Alt+F" />
      </form>
      <div role="status" className="search-status">
        {typed && search.isSuccess && (tokens.length === 0 ? t('foundNone', { query: typed }) : t('found', { count: tokens.length }))}
        {typed && search.isError && <span className="field-error">{problemMessage(search.error, { query: t('findLabel') })}</span>}
      </div>
      {typed && tokens.length > 0 && (
        <ul className="search-results" aria-label={t('findTitle')}>
          {tokens.map((token) => (
            <li key={token.id} className={`search-result search-result-${token.status}`}>
              <div className="search-result-main">
                <span className="search-result-number">{token.number}</span>
                <span className="search-result-name">{token.patient.name}</span>
                <span className="search-result-meta">
                  {nameOf(token.departmentId)} · {t('issuedTime', { time: time(token.issuedAt) })} · <span dir="ltr">{t('phoneEnds', { digits: token.patient.phoneLast4 })}</span>
                </span>
                <span className="search-result-badges">
                  <StatusBadge status={token.status} /> <PriorityBadge priority={token.priority} />
                </span>
              </div>
              <TokenActions token={token} departments={departments} onReprint={onReprint} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
