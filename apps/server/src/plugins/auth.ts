// Moved to modules/auth/auth.plugin.ts (plugins/ knows no domain module). This re-export keeps the
// files that still import from here building until they switch; delete it when nothing does.
export { ACCESS_COOKIE, CsrfError, REFRESH_COOKIE, authPlugin, requirePrincipal } from '../modules/auth/auth.plugin.js';
