import type { Role } from '@smart-token/contracts';
import type { ReactNode } from 'react';
import { AdminScreen } from '../screens/admin/AdminScreen';
import { CounterScreen } from '../screens/counter/CounterScreen';
import { DisplayPicker, DisplayScreen } from '../screens/display/DisplayScreen';
import { KioskScreen } from '../screens/kiosk/KioskScreen';
import { ReceptionScreen } from '../screens/reception/ReceptionScreen';

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
];
