import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import { LIVE_MAX_PAYLOAD_BYTES } from '@smart-token/contracts';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { createDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { systemClock, type Clock } from './lib/clock.js';
import { newId } from './lib/ids.js';
import { authPlugin } from './modules/auth/auth.plugin.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { createAuthService } from './modules/auth/auth.service.js';
import type { SecurityEventType, SecurityLog } from './modules/auth/security-log.js';
import { createInvalidationBus, createLocalInvalidationBus, type CacheInvalidationBus } from './modules/cache/cache-invalidation.js';
import { departmentsRoutes } from './modules/departments/departments.routes.js';
import { setupEventsRoutes } from './modules/departments/setup-events.routes.js';
import { reportsRoutes } from './modules/reports/reports.routes.js';
import { createReportsService } from './modules/reports/reports.service.js';
import { publicBrandingRoutes, settingsRoutes } from './modules/settings/settings.routes.js';
import { createSettingsService } from './modules/settings/settings.service.js';
import { createDepartmentsService } from './modules/departments/departments.service.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { purgeExpiredKeys } from './modules/idempotency/idempotency.js';
import { createEventRelay, type LiveEventSource } from './modules/live/event-relay.js';
import { createLocalBus, createRedisBus, type LiveBus } from './modules/live/live.bus.js';
import { createLiveHub, type LiveHub } from './modules/live/live.hub.js';
import * as liveRepo from './modules/live/live.repository.js';
import { liveRoutes } from './modules/live/live.routes.js';
import { createLiveService } from './modules/live/live.service.js';
import { patientsRoutes } from './modules/patients/patients.routes.js';
import { createPatientsService } from './modules/patients/patients.service.js';
import { publicRoutes } from './modules/public/public.routes.js';
import { createPublicService } from './modules/public/public.service.js';
import { createCounterHistory } from './modules/queue/counter-history.js';
import { counterHistoryRoutes } from './modules/queue/counter-history.routes.js';
import { queueRoutes } from './modules/queue/queue.routes.js';
import { receptionRoutes } from './modules/queue/reception.routes.js';
import { createReceptionService } from './modules/queue/reception.service.js';
import { createQueueService } from './modules/queue/queue.service.js';
import { usersRoutes } from './modules/users/users.routes.js';
import { createUsersService } from './modules/users/users.service.js';
import { displayRoutes } from './modules/display/display.routes.js';
import { createDisplayService } from './modules/display/display.service.js';
import { bodyParsingPlugin } from './plugins/body-parsing.js';
import { errorHandlerPlugin, sendFrameworkError } from './plugins/error-handler.js';
import { openApiPlugin } from './plugins/openapi.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { securityPlugin } from './plugins/security.js';
import { webAppPlugin } from './plugins/web-app.js';

/** A request body larger than this is refused with 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Room for a 128-character status key in a path; anything longer is refused with a problem body. */
const MAX_PATH_PARAM_LENGTH = 160;
const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 60_000;

export interface AppOptions {
  clock?: Clock;
  /** Pino options, or false for silence (tests). */
  logger?: FastifyServerOptions['logger'];
  /** Also told every security event (tests read them; the log always gets them). */
  security?: SecurityLog;
}

/** Security events that may be an attack in progress: logged as warnings, the rest as information. */
const WARNING_EVENTS = new Set<SecurityEventType>(['login.failed', 'login.locked', 'refresh.reused']);

export type App = FastifyInstance & { database: Database; services: Services; hub: LiveHub; relay: LiveEventSource };
type Services = ReturnType<typeof createServices>;

function createServices(
  config: Config,
  database: Database,
  clock: Clock,
  bus: LiveBus,
  invalidation: CacheInvalidationBus,
  onError: (error: unknown, context: string) => void,
  security: SecurityLog,
) {
  const departments = createDepartmentsService({ database, clock, invalidation });
  const queue = createQueueService({
    database,
    clock,
    timeZone: config.timeZone,
    publicUrl: config.publicUrl,
    defaultPhoneRegion: config.defaultPhoneRegion,
    lookup: {
      department: (id, trx) => departments.findDepartment(id, trx),
      counter: (id, trx) => departments.findCounter(id, trx),
      counters: (departmentId, trx) => departments.countersOf(departmentId, trx),
    },
    publish: (events) => bus.publish(events),
    onError,
  });
  const publicService = createPublicService({ database, clock, queue, departments });
  const reception = createReceptionService({ database, clock, timeZone: config.timeZone, publicUrl: config.publicUrl, defaultPhoneRegion: config.defaultPhoneRegion, queue });
  const auth = createAuthService({ database, clock, jwtSecret: config.jwtSecret, invalidation, security, session: config.session });
  return {
    auth,
    users: createUsersService({ database, clock, invalidation, sessions: auth, security }),
    departments,
    settings: createSettingsService({ database, clock, publicUrl: config.publicUrl }),
    reports: createReportsService({ database, clock, timeZone: config.timeZone }),
    queue,
    publicService,
    live: createLiveService({ database, clock, queue, auth, lookupToken: publicService.findToken }),
    counterHistory: createCounterHistory({ database, clock, lookup: { counter: (id) => departments.findCounter(id) } }),
    display: createDisplayService({ database, clock, queue }),
    reception,
    patients: createPatientsService({ database, defaultPhoneRegion: config.defaultPhoneRegion, activeTokensOfPhone: (phone) => reception.activeTokensOfPhone(phone) }),
  };
}

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.phone',
        '*.phoneLast4',
        '*.refreshToken',
        '*.accessToken',
        '*.statusKey',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // The status key is a bearer secret that lives in a URL: keep it out of the logs.
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: req.url.replace(/(\/public\/status\/)[^/?]+/, '$1[redacted]').replace(/([?&]ticket=)[^&]+/, '$1[redacted]'),
        remoteAddress: req.ip,
      }),
    },
  };
}

/** One log line per request, when it completes (with the request), instead of Fastify's two: half the logging cost. */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** Builds the whole app on a migrated database; never listens (server.ts does). */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? systemClock;
  const database = createDatabase(config.database);
  let redis: Redis | undefined;
  let bus: LiveBus = createLocalBus();
  // The bus starts before the app (and its logger) exists; its errors are logged once it does.
  let onBusError: (error: unknown) => void = () => undefined;
  let onInvalidationError: (error: unknown) => void = () => undefined;
  let invalidation: CacheInvalidationBus = createLocalInvalidationBus();
  try {
    await migrateToLatest(database.db);
    if (config.redisUrl) {
      redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: true });
      await redis.connect();
      bus = await createRedisBus(config.redisUrl, (error) => onBusError(error));
    }
    invalidation = await createInvalidationBus({ redisUrl: config.redisUrl, database, onError: (error) => onInvalidationError(error) });
  } catch (error) {
    await database.close();
    redis?.disconnect();
    await bus.close();
    await invalidation.close();
    throw error;
  }

  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy === false ? false : config.trustProxy,
    requestIdHeader: false,
    logController: new OneLinePerRequest(),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newId();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAM_LENGTH },
    // Bad URLs (broken escapes) get the same problem+json as every other error.
    frameworkErrors: (error, request, reply) => void sendFrameworkError(error, request, reply),
  }).withTypeProvider<ZodTypeProvider>();

  onBusError = (err) => app.log.warn({ err }, 'redis live bus');
  onInvalidationError = (err) => app.log.warn({ err }, 'cache invalidation');
  redis?.on('error', (err: unknown) => app.log.warn({ err }, 'redis (rate limits)'));
  // The security log: sign-ins, locks, reuse, sessions ended (issue 16's audit trail will take these too).
  const security: SecurityLog = {
    record: (event) => {
      const level = WARNING_EVENTS.has(event.type) ? 'warn' : 'info';
      app.log[level]({ security: event }, `security ${event.type}`);
      options.security?.record(event);
    },
  };
  const services = createServices(config, database, clock, bus, invalidation, (err, context) => app.log.warn({ err }, context), security);
  const hub = createLiveHub({
    eventsSince: (departmentId, since, upTo) => services.live.eventsSince(departmentId, since, upTo),
    statusOf: (tokenId) => services.live.statusOf(tokenId),
    waitingSnapshot: (departmentId) => services.live.waitingSnapshot(departmentId),
    sessionAlive: async (sessionId) => (await services.live.principalOfSession(sessionId)) !== undefined,
    onError: (err, context) => app.log.warn({ err }, context),
  });
  // Bus → relay → local consumers: each committed event once, in order, even when its publish is lost.
  // The hub is not told of a relay resync; it sees the jump at the department's next event and resyncs its clients.
  const relay = createEventRelay({
    committedSeqs: () => liveRepo.lastEventSeqs(database.db),
    eventsSince: (departmentId, since, upTo) => services.live.eventsSince(departmentId, since, upTo),
    onError: (err, context) => app.log.warn({ err }, context),
  });
  await relay.start();
  // The in-memory waiting lines follow every instance's changes (before the hub reads them for patients);
  // a lost stretch makes a line be read again.
  relay.subscribe((events) => services.queue.applyCommitted(events));
  relay.subscribe((events) => hub.deliver(events));
  relay.onResync((departmentId) => services.queue.resync(departmentId));
  bus.subscribe((events) => relay.accept(events));
  app.decorate('database', database);
  app.decorate('services', services);
  app.decorate('hub', hub);
  app.decorate('relay', relay);

  app.setValidatorCompiler(validatorCompiler);
  // Responses are built from typed domain objects; their schemas document the API, plain JSON sends them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(errorHandlerPlugin);
  await app.register(bodyParsingPlugin);
  await app.register(cookie);
  await app.register(securityPlugin);
  await app.register(rateLimitPlugin, { redis });
  await app.register(openApiPlugin);
  await app.register(websocket, { options: { maxPayload: LIVE_MAX_PAYLOAD_BYTES } });
  await app.register(authPlugin, { auth: services.auth, jwtSecret: config.jwtSecret });

  await app.register(healthRoutes, { database });
  await app.register(webAppPlugin, {});
  await app.register(patientsRoutes, { prefix: '/api/v1', patients: services.patients });
  await app.register(authRoutes, {
    prefix: '/api/v1/auth',
    auth: services.auth,
    jwtSecret: config.jwtSecret,
    secureCookies: config.secureCookies,
    rateLimitMultiplier: config.rateLimitMultiplier,
  });
  await app.register(usersRoutes, { prefix: '/api/v1', users: services.users, auth: services.auth });
  await app.register(departmentsRoutes, { prefix: '/api/v1', departments: services.departments });
  await app.register(setupEventsRoutes, { prefix: '/api/v1', departments: services.departments });
  await app.register(settingsRoutes, { prefix: '/api/v1', settings: services.settings });
  await app.register(publicBrandingRoutes, { prefix: '/api/v1/public', settings: services.settings, rateLimitMultiplier: config.rateLimitMultiplier });
  await app.register(reportsRoutes, { prefix: '/api/v1', reports: services.reports });
  await app.register(queueRoutes, { prefix: '/api/v1', queue: services.queue });
  await app.register(receptionRoutes, { prefix: '/api/v1', reception: services.reception });
  await app.register(counterHistoryRoutes, { prefix: '/api/v1', history: services.counterHistory });
  await app.register(displayRoutes, { prefix: '/api/v1', display: services.display });
  await app.register(liveRoutes, {
    prefix: '/api/v1',
    live: services.live,
    hub,
    auth: services.auth,
    publicUrl: config.publicUrl,
    rateLimitMultiplier: config.rateLimitMultiplier,
  });
  await app.register(publicRoutes, {
    prefix: '/api/v1/public',
    publicService: services.publicService,
    queue: services.queue,
    rateLimitMultiplier: config.rateLimitMultiplier,
  });

  const purge = setInterval(() => {
    purgeExpiredKeys(database, clock.now()).catch((err: unknown) => app.log.warn({ err }, 'idempotency purge failed'));
    services.live.purge().catch((err: unknown) => app.log.warn({ err }, 'live event purge failed'));
  }, IDEMPOTENCY_PURGE_INTERVAL_MS);
  purge.unref();

  app.addHook('preClose', async () => {
    hub.close();
  });
  app.addHook('onClose', async () => {
    clearInterval(purge);
    await relay.close();
    await bus.close();
    await invalidation.close();
    await database.close();
    if (redis) await redis.quit().catch(() => undefined);
  });

  await app.ready();
  return app as unknown as App;
}
