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
      app.get(url, { schema: { hide: true } }, (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
    }
    for (const url of STATUS_SCREENS) {
      app.get(url, { schema: { hide: true } }, (_request, reply) =>
        reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').sendFile('status.html'),
      );
    }
  },
  { name: 'web-app' },
);
