import { SECURITY_FEED_KINDS, type SecurityFeed as Feed, type SecurityFeedKind } from '@smart-token/contracts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Select } from '../../components/ui/ui';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { registerMessages } from '../../i18n';
import { get } from '../../lib/api';

registerMessages('securityFeed', {
  en: {
    intro: 'Refused sign-ins, requests over a rate limit, blocked requests and suspicious input, counted per hour. A spike from one address is someone guessing.',
    kindFilter: 'Show',
    all: 'Everything',
    'kind.sign-in': 'Refused sign-ins',
    'kind.rate-limit': 'Rate-limit hits',
    'kind.blocked': 'Blocked requests',
    'kind.detector': 'Suspicious input',
    chart: 'Last 24 hours, by hour',
    chartLabel: '{{total}} events in the last 24 hours',
    hourTitle: '{{hour}}: {{count}}',
    topIps: 'Addresses',
    topRoutes: 'Routes',
    topRules: 'Rules',
    colCount: 'Count',
    none: 'Nothing in the last 24 hours.',
    refresh: 'Refreshes every minute.',
  },
  hi: {
    intro: 'अस्वीकृत साइन-इन, दर-सीमा से अधिक अनुरोध, रोके गए अनुरोध और संदिग्ध इनपुट, प्रति घंटा गिने गए। एक ही पते से अचानक बढ़ोतरी का अर्थ है कोई अनुमान लगा रहा है।',
    kindFilter: 'दिखाएँ',
    all: 'सब कुछ',
    'kind.sign-in': 'अस्वीकृत साइन-इन',
    'kind.rate-limit': 'दर-सीमा पार',
    'kind.blocked': 'रोके गए अनुरोध',
    'kind.detector': 'संदिग्ध इनपुट',
    chart: 'पिछले 24 घंटे, प्रति घंटा',
    chartLabel: 'पिछले 24 घंटों में {{total}} घटनाएँ',
    hourTitle: '{{hour}}: {{count}}',
    topIps: 'पते',
    topRoutes: 'रूट',
    topRules: 'नियम',
    colCount: 'संख्या',
    none: 'पिछले 24 घंटों में कुछ नहीं।',
    refresh: 'हर मिनट ताज़ा होता है।',
  },
  ar: {
    intro: 'محاولات دخول مرفوضة، وطلبات تجاوزت الحد، وطلبات محظورة، ومدخلات مشبوهة، تُعدّ كل ساعة. ارتفاع مفاجئ من عنوان واحد يعني أن أحدًا يخمّن.',
    kindFilter: 'عرض',
    all: 'الكل',
    'kind.sign-in': 'دخول مرفوض',
    'kind.rate-limit': 'تجاوز الحد',
    'kind.blocked': 'طلبات محظورة',
    'kind.detector': 'مدخلات مشبوهة',
    chart: 'آخر 24 ساعة، حسب الساعة',
    chartLabel: '{{total}} حدثًا في آخر 24 ساعة',
    hourTitle: '{{hour}}: {{count}}',
    topIps: 'العناوين',
    topRoutes: 'المسارات',
    topRules: 'القواعد',
    colCount: 'العدد',
    none: 'لا شيء في آخر 24 ساعة.',
    refresh: 'يتحدّث كل دقيقة.',
  },
});

const REFRESH_MS = 60_000;
const CHART_HEIGHT = 120;
const BAR_WIDTH = 14;
const BAR_GAP = 4;
/** One colour per kind, each with AA contrast against the card's white. */
const COLOURS: Record<SecurityFeedKind, string> = { 'sign-in': '#b3261e', 'rate-limit': '#8a5300', blocked: '#1f5fa8', detector: '#6b3fa0' };

const feedKeys = { feed: (kind: string) => ['security', 'feed', kind] as const };

/** The security feed: what was refused in the last 24 hours, per hour (stacked by kind), and who and where most. */
export function SecurityFeed() {
  const { t, i18n } = useTranslation('securityFeed');
  const [kind, setKind] = useState<SecurityFeedKind | ''>('');
  const feed = useQuery({
    queryKey: feedKeys.feed(kind),
    queryFn: () => get<Feed>(`/admin/security/events${kind ? `?kind=${kind}` : ''}`),
    refetchInterval: REFRESH_MS,
  });
  const data = feed.data;
  const hour = (at: string) => new Intl.DateTimeFormat(i18n.language, { hour: '2-digit', minute: '2-digit' }).format(new Date(at));

  return (
    <div className="security-feed">
      <p className="muted">
        {t('intro')} {t('refresh')}
      </p>
      <Select label={t('kindFilter')} value={kind} onChange={(e) => setKind(e.target.value as SecurityFeedKind | '')}>
        <option value="">{t('all')}</option>
        {SECURITY_FEED_KINDS.map((k) => (
          <option key={k} value={k}>
            {t(`kind.${k}`)}
          </option>
        ))}
      </Select>
      <ProblemAlert error={feed.error} />
      {data && (
        <>
          <h3>{t('chart')}</h3>
          <HourlyChart feed={data} label={t('chartLabel', { total: data.total })} title={(at, count) => t('hourTitle', { hour: hour(at), count })} />
          <p className="feed-axis muted" aria-hidden="true">
            <span>{hour(data.hourly[0]!.at)}</span>
            <span>{hour(data.hourly.at(-1)!.at)}</span>
          </p>
          <ul className="feed-legend">
            {SECURITY_FEED_KINDS.map((k) => (
              <li key={k}>
                <span className="feed-swatch" style={{ background: COLOURS[k] }} aria-hidden="true" /> {t(`kind.${k}`)}: {data.byKind[k]}
              </li>
            ))}
          </ul>
          {data.total === 0 ? (
            <p className="muted">{t('none')}</p>
          ) : (
            <div className="feed-tops">
              <Top caption={t('topIps')} rows={data.top.ips.map((r) => [r.ip, r.count])} countLabel={t('colCount')} />
              <Top caption={t('topRoutes')} rows={data.top.routes.map((r) => [r.route, r.count])} countLabel={t('colCount')} />
              <Top caption={t('topRules')} rows={data.top.rules.map((r) => [`${t(`kind.${r.kind}`)}: ${r.rule}`, r.count])} countLabel={t('colCount')} />
            </div>
          )}
        </>
      )}
    </div>
  );
}

function HourlyChart({ feed, label, title }: { feed: Feed; label: string; title: (at: string, count: number) => string }) {
  const max = Math.max(1, ...feed.hourly.map((h) => SECURITY_FEED_KINDS.reduce((sum, k) => sum + h.counts[k], 0)));
  const width = feed.hourly.length * (BAR_WIDTH + BAR_GAP);
  return (
    <svg className="feed-chart" role="img" aria-label={label} viewBox={`0 0 ${width} ${CHART_HEIGHT}`} width="100%" height={CHART_HEIGHT} preserveAspectRatio="none">
      {feed.hourly.map((h, i) => {
        let y = CHART_HEIGHT;
        const total = SECURITY_FEED_KINDS.reduce((sum, k) => sum + h.counts[k], 0);
        return (
          <g key={h.at} data-hour={h.at} data-count={total}>
            <title>{title(h.at, total)}</title>
            {SECURITY_FEED_KINDS.map((k) => {
              const height = (h.counts[k] / max) * (CHART_HEIGHT - 4);
              y -= height;
              return height > 0 ? <rect key={k} x={i * (BAR_WIDTH + BAR_GAP)} y={y} width={BAR_WIDTH} height={height} fill={COLOURS[k]} /> : null;
            })}
          </g>
        );
      })}
      <line x1="0" x2={width} y1={CHART_HEIGHT - 0.5} y2={CHART_HEIGHT - 0.5} stroke="#767676" />
    </svg>
  );
}

function Top({ caption, rows, countLabel }: { caption: string; rows: [string, number][]; countLabel: string }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{caption}</th>
          <th scope="col">{countLabel}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, count]) => (
          <tr key={name}>
            <td>
              <code>{name}</code>
            </td>
            <td>{count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
