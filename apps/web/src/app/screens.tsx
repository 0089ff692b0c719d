import type { Role } from '@smart-token/contracts';
import { lazy, type ReactNode } from 'react';

// Each screen is its own chunk: a TV or a kiosk loads its screen, not the reception's.
const AdminScreen = lazy(() => import('../screens/admin/AdminScreen').then((m) => ({ default: m.AdminScreen })));
const CounterScreen = lazy(() => import('../screens/counter/CounterScreen').then((m) => ({ default: m.CounterScreen })));
const DisplayPicker = lazy(() => import('../screens/display/DisplayScreen').then((m) => ({ default: m.DisplayPicker })));
const DisplayScreen = lazy(() => import('../screens/display/DisplayScreen').then((m) => ({ default: m.DeviceDisplayScreen })));
const KioskScreen = lazy(() => import('../screens/kiosk/KioskScreen').then((m) => ({ default: m.DeviceKioskScreen })));
const SecurityScreen = lazy(() => import('../screens/security/SecurityScreen').then((m) => ({ default: m.SecurityScreen })));
const ReceptionScreen = lazy(() => import('../screens/reception/ReceptionScreen').then((m) => ({ default: m.ReceptionScreen })));

/**
 * Every signed-in screen with the roles that may open it. The server serves index.html for the
 * same paths (apps/server/src/plugins/web-app.ts): keep the two lists in step.
 */
export const SCREEN_ROUTES: { path: string; roles: Role[]; element: ReactNode; device?: true }[] = [
  { path: '/reception', roles: ['admin', 'receptionist'], element: <ReceptionScreen /> },
  { path: '/counter', roles: ['admin', 'doctor'], element: <CounterScreen /> },
  { path: '/admin', roles: ['admin'], element: <AdminScreen /> },
  { path: '/display', roles: ['admin', 'display'], element: <DisplayPicker /> },
  // A board or kiosk also runs paired as a device, without a staff sign-in (its screen checks who it is).
  { path: '/display/:departmentId', roles: ['admin', 'display'], element: <DisplayScreen />, device: true },
  { path: '/kiosk', roles: ['admin', 'kiosk'], element: <KioskScreen />, device: true },
  { path: '/security', roles: ['admin', 'receptionist', 'doctor', 'display', 'kiosk'], element: <SecurityScreen /> },
];
