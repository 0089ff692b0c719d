import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import type { RouteObject } from 'react-router';
import { Navigate } from 'react-router';
import { HOME_OF, useMe } from '../features/auth/auth';
import { LoginScreen } from '../screens/login/LoginScreen';
import { RequireRole } from './Shell';
import { SCREEN_ROUTES } from './screens';

function Home() {
  const me = useMe();
  if (me.isPending) return null;
  return <Navigate to={me.data ? HOME_OF[me.data.role] : '/login'} replace />;
}

function Loading() {
  const { t } = useTranslation();
  return <p role="status">{t('loading')}</p>;
}

export const routes: RouteObject[] = [
  { path: '/', element: <Home /> },
  { path: '/login', element: <LoginScreen /> },
  ...SCREEN_ROUTES.map(({ path, roles, element, device }) => ({
    path,
    element: device ? (
      <Suspense fallback={<Loading />}>{element}</Suspense>
    ) : (
      <RequireRole roles={roles}>
        <Suspense fallback={<Loading />}>{element}</Suspense>
      </RequireRole>
    ),
  })),
  { path: '*', element: <Navigate to="/" replace /> },
];
