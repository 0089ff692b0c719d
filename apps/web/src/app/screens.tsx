import type { Role } from '@smart-token/contracts';
import { lazy, type ReactNode } from 'react';

// Each screen is its own chunk: a TV or a kiosk loads its screen, not the reception's.
const AdminScreen = lazy(() => import('../screens/admin/AdminScreen').then((m) => ({ default: m.AdminScreen })));
const CounterScreen = lazy(() => import('../screens/counter/CounterScreen').then((m) => ({ default: m.CounterScreen })));
const DisplayPicker = lazy(() => import('../screens/display/DisplayScreen').then((m) => ({ default: m.DisplayPicker })));
const DisplayScreen = lazy(() => import('../screens/display/DisplayScreen').then((m) => ({ default: m.DisplayScreen })));
const KioskScreen = lazy(() => import('../screens/kiosk/KioskScreen').then((m) => ({ default: m.KioskScreen })));
const SecurityScreen = lazy(() => import('../screens/security/SecurityScreen').then((m) => ({ default: m.SecurityScreen })));
const ReceptionScreen = lazy(() => import('../screens/reception/ReceptionScreen').then((m) => ({ default: m.ReceptionScreen })));

/**
 * Every signed-in screen with the roles that may open it. The server serves index.html for the
 * same paths (apps/server/src/plugins/web-app.ts): keep the two lists in step.
 */
export const SCREEN_ROUTES: { path: string; roles: Role[]; element: ReactNode }[] = [
  { path: '/reception', roles: ['admin', 'receptionist'], element: <ReceptionScreen /> },
  { path: '/counter', roles: ['admin', 'doctor'], element: <CounterScreen /> },
  { path: '/admin', roles: ['admin'], element: <AdminScreen /> },
  { path: '/display', roles: ['admin', 'display'], element: <DisplayPicker /> },
  { path: '/display/:departmentId', roles: ['admin', 'display'], element: <DisplayScreen /> },
  { path: '/kiosk', roles: ['admin', 'kiosk'], element: <KioskScreen /> },
  { path: '/security', roles: ['admin', 'receptionist', 'doctor', 'display', 'kiosk'], element: <SecurityScreen /> },
];
