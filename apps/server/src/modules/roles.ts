import { ROLES, type Role } from '@smart-token/contracts';

/** Who may call what: the route table names one of these on every staff route. */
export const ANY_STAFF: readonly Role[] = ROLES;
export const ADMIN_ONLY: readonly Role[] = ['admin'];
export const QUEUE_STAFF: readonly Role[] = ['admin', 'receptionist', 'doctor'];
export const BOARD_VIEWERS: readonly Role[] = ['admin', 'receptionist', 'doctor', 'display'];
