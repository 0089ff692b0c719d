import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** The built web app (apps/web/dist), next to this package in the workspace. */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Screens with fixed paths (API.md "Web app"): a TV or kiosk can be pointed at a bookmark. */
const APP_SCREENS = ['/', '/login', '/reception', '/counter', '/admin', '/kiosk', '/display', '/display/:departmentId', '/security'];
/** The patient page is its own tiny bundle: no framework, for cheap phones on slow networks. */
const STATUS_SCREENS = ['/status', '/s/:statusKey'];
/** Status keys are base64url secrets (32 random bytes make 43 characters). */
const STATUS_KEY = /^[A-Za-z0-9_-]{16,128}$/;
/** The phone join page (the waiting area's QR poster), as light as the status page it leads to. */
const JOIN_SCREEN = '/join/:departmentId';

export const webAppPlugin = fp(
  async (app: FastifyInstance, opts: { root?: string }) => {
    const root = opts.root ?? WEB_DIST;
    if (!existsSync(`${root}/index.html`)) {
      app.log.warn({ root }, 'the web app is not built (npm run build); serving the API only');
      return;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: false,
      // Hashed file names: a file never changes, so browsers may keep it for a year.
      setHeaders: (res, path) => {
        if (path.includes('/assets/')) res.header('cache-control', 'public, max-age=31536000, immutable');
      },
    });
    for (const url of APP_SCREENS) {
      app.get(url, { schema: { hide: true } }, (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false }));
    }
    app.get(JOIN_SCREEN, { schema: { hide: true } }, (_request, reply) =>
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').sendFile('join.html', { cacheControl: false }),
    );
    for (const url of STATUS_SCREENS) {
      app.get(url, { schema: { hide: true } }, (request, reply) => {
        // Only what could be a status key gets the page: `/s/<key>.bak` or `/s/backup.zip` are not found
        // (a scanner took the page served for any name as a backup file lying about).
        const { statusKey } = request.params as { statusKey?: string };
        if (statusKey !== undefined && !STATUS_KEY.test(statusKey)) return reply.callNotFound();
        // cacheControl: false, or sendFile replaces no-store with "public, max-age=0" (a shared proxy could keep a page whose URL is a secret).
        return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').sendFile('status.html', { cacheControl: false });
      });
    }
  },
  { name: 'web-app' },
);
