import { ConfigError, loadConfig, type Config } from './config.js';
import { startBanner } from './start-banner.js';

/** Stops the start with one line naming what is wrong, and a non-zero exit. */
function fail(message: string): never {
  process.stderr.write(`Smart Token cannot start: ${message}\n`);
  process.exit(1);
}

function describeStartError(error: unknown, config: Config): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  // A setting found wrong only once the database is open (a MASTER_KEY that does not open its keys) names itself.
  if (error instanceof ConfigError) return message;
  if (code === 'EADDRINUSE') return `PORT: ${config.port} is already in use`;
  if (message.includes('redis') || message.includes('6379')) return `REDIS_URL: cannot connect (${message})`;
  return `DATABASE_URL: cannot open the ${config.database.kind} database (${message})`;
}

const REDIS_CHECK_TIMEOUT_MS = 5000;
/** In-flight requests get this long to finish after SIGTERM/SIGINT; then the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;

/** REDIS_URL is optional; when it is set but does not answer, the start stops naming it (not the database). */
async function checkRedis(url: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: REDIS_CHECK_TIMEOUT_MS });
  let cause: unknown;
  redis.on('error', (error: unknown) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }

  // The app's modules load only once the settings are known good, so a bad one is reported at once.
  const [{ buildApp, loggerOptions }, { ensureFirstAdmin }, { prettyStream }] = await Promise.all([
    import('./app.js'),
    import('./modules/users/first-admin.js'),
    import('./lib/pretty-log.js'),
  ]);
  if (config.redisUrl) {
    await checkRedis(config.redisUrl).catch((error: unknown) => fail(`REDIS_URL: cannot connect (${error instanceof Error ? error.message : String(error)})`));
  }
  const logger = config.logFormat === 'pretty' ? { ...(loggerOptions(config) as object), stream: prettyStream() } : loggerOptions(config);
  const app = await buildApp(config, { logger }).catch((error: unknown) => fail(describeStartError(error, config)));
  const admin = await ensureFirstAdmin(app.services.users, config);

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    fail(describeStartError(error, config));
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Last, after the start-up log lines, so the sign-in line is the one on screen.
  process.stdout.write(startBanner({ config, port, admin }));

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    // A request stuck on an unreachable database must not keep a stopped server alive for good.
    setTimeout(() => {
      app.log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // app.close stops accepting, lets in-flight requests finish, then closes the database cleanly.
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

await main();
