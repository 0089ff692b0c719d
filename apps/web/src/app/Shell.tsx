import type { Role } from '@smart-token/contracts';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useLocation } from 'react-router';
import { Button } from '../components/ui/ui';
import { useLogout, useMe } from '../features/auth/auth';
import { LANGUAGES, setLanguage, type Language } from '../i18n';

const NAV: { to: string; key: string; roles: Role[] }[] = [
  { to: '/reception', key: 'reception', roles: ['admin', 'receptionist'] },
  { to: '/counter', key: 'counter', roles: ['admin', 'doctor'] },
  { to: '/display', key: 'display', roles: ['admin', 'display'] },
  { to: '/kiosk', key: 'kiosk', roles: ['admin', 'kiosk'] },
  { to: '/admin', key: 'admin', roles: ['admin'] },
  { to: '/security', key: 'security', roles: ['admin', 'receptionist', 'doctor'] },
];

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <label>
      <span className="visually-hidden">{t('language')}</span>
      <select aria-label={t('language')} value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Signed-in staff screens: a header with what the role may open, and the page. */
export function Shell({ children, bare = false }: { children: ReactNode; bare?: boolean }) {
  const { t } = useTranslation();
  const me = useMe();
  const logout = useLogout();
  if (bare) return <>{children}</>;
  const role = me.data?.role;
  return (
    <>
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header className="app-header">
        <span className="brand">{t('appName')}</span>
        <nav aria-label="Screens">
          {NAV.filter((n) => role && n.roles.includes(role)).map((n) => (
            <Link key={n.to} to={n.to}>
              {t(n.key)}
            </Link>
          ))}
        </nav>
        <LanguagePicker />
        {me.data && (
          <>
            <span>{me.data.name}</span>
            <Button tone="secondary" onClick={() => logout.mutate()}>
              {t('signOut')}
            </Button>
          </>
        )}
      </header>
      <main id="main" className="page">
        {children}
      </main>
    </>
  );
}

/** Only these roles see the screen: others are sent to sign in, or told they may not. */
export function RequireRole({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { t } = useTranslation();
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <p role="status">{t('loading')}</p>;
  if (!me.data) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  // After an admin's reset nothing else works until the password is changed (the server says 403);
  // an admin without two-step sign-in can only turn it on (the Security page) until it is on.
  if ((me.data.passwordChangeRequired || me.data.mfaEnrolmentRequired) && location.pathname !== '/security') return <Navigate to="/security" replace />;
  if (!roles.includes(me.data.role)) {
    return (
      <Shell>
        <p role="alert">{t('notAllowed')}</p>
      </Shell>
    );
  }
  return <>{children}</>;
}
