import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import { LIVE_MAX_PAYLOAD_BYTES } from '@smart-token/contracts';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import type { Config } from './config.js';
import { createDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { cipherOf } from './modules/keys/encrypted-columns.js';
import { openKeyring, type Keyring } from './modules/keys/keyring.js';
import { reencrypt } from './modules/keys/rotation.js';
import { backupKeyFromKeyring } from './modules/backups/backup-key.js';
import { createScheduledBackups } from './modules/backups/scheduled-backups.js';
import { systemClock, type Clock } from './lib/clock.js';
import { newId } from './lib/ids.js';
import { urlForLog } from './lib/url-for-log.js';
import { toE164 } from './lib/phone.js';
import { SYSTEM_AUDIT_ACTOR } from './modules/audit/audit.js';
import { auditAdminRoutes } from './modules/audit/audit-admin.routes.js';
import { createAuditAdminService } from './modules/audit/audit-admin.service.js';
import { createAuditFiles } from './modules/audit/audit-files.js';
import { createAuditTrail, type AuditTrailService } from './modules/audit/audit.service.js';
import { recordAccessPlugin } from './modules/audit/record-access.plugin.js';
import { auditEntryOfSecurityEvent } from './modules/audit/security-events.js';
import { authPlugin, requestContext } from './modules/auth/auth.plugin.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { createAuthService } from './modules/auth/auth.service.js';
import { createPasswordPolicy } from './modules/auth/password-policy.js';
import type { SecurityEventType, SecurityLog } from './modules/auth/security-log.js';
import { createInvalidationBus, createLocalInvalidationBus, type CacheInvalidationBus } from './modules/cache/cache-invalidation.js';
import { departmentsRoutes } from './modules/departments/departments.routes.js';
import { createJoinCodes } from './modules/departments/join-codes.js';
import { devicePairingRoutes, devicesRoutes } from './modules/devices/devices.routes.js';
import { createDevicesService, deviceIdOfSession, deviceSessionId } from './modules/devices/devices.service.js';
import { setupEventsRoutes } from './modules/departments/setup-events.routes.js';
import { reportsRoutes } from './modules/reports/reports.routes.js';
import { createPatientDataRetention } from './modules/retention/retention.js';
import { createNotifications } from './modules/notifications/notifications.service.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { twilioWebhookRoutes } from './modules/notifications/webhooks.routes.js';
import { createPushChannel, vapidSubjectOf } from './modules/notifications/push/push-sender.js';
import { pushRoutes } from './modules/notifications/push/push.routes.js';
import { createSecurityFeed } from './modules/security-feed/security-feed.js';
import { securityFeedPlugin } from './modules/security-feed/security-feed.plugin.js';
import { securityFeedRoutes } from './modules/security-feed/security-feed.routes.js';
import { createReportsService } from './modules/reports/reports.service.js';
import { publicBrandingRoutes, settingsRoutes } from './modules/settings/settings.routes.js';
import { createSettingsService } from './modules/settings/settings.service.js';
import { readClinicName } from './modules/settings/settings.repository.js';
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
import { createDepartmentScope } from './modules/users/department-scope.js';
import { displayRoutes } from './modules/display/display.routes.js';
import { createDisplayService } from './modules/display/display.service.js';
import { bodyParsingPlugin } from './plugins/body-parsing.js';
import { clientErrorHandler, errorHandlerPlugin, sendFrameworkError } from './plugins/error-handler.js';
import { openApiPlugin } from './plugins/openapi.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { addressListsPlugin, addressMatcher } from './plugins/address-lists.js';
import { capConnectionsPerAddress } from './plugins/connection-cap.js';
import { inputDetectorPlugin } from './plugins/input-detector.js';
import { securityPlugin } from './plugins/security.js';
import { trustedOriginsPlugin } from './plugins/trusted-origins.js';
import { webAppPlugin } from './plugins/web-app.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Room for a 128-character status key in a path; anything longer is refused with a problem body. */
const MAX_PATH_PARAM_LENGTH = 160;
const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 60_000;
const TIMEOUT_CHECK_INTERVAL_MS = 1000;
const REDIS_COMMAND_TIMEOUT_MS = 500;
/** The outbox is also read this often, for retries that come due and messages another instance wrote. */
const NOTIFICATION_POLL_MS = 1000;
/** Estimated waits shrink with time alone: "your turn is near" is looked at this often besides after each change. */
const APPROACH_CHECK_INTERVAL_MS = 5000;

export interface AppOptions {
  clock?: Clock;
  /** Pino options, or false for silence (tests). */
  logger?: FastifyServerOptions['logger'];
  /** Also told every security event (tests read them; the log always gets them). */
  security?: SecurityLog;
}

/** Refused sign-ins, as the security feed counts them, and the route each comes through. */
const SIGN_IN_REFUSALS: Partial<Record<SecurityEventType, string>> = {
  'login.failed': '/api/v1/auth/login',
  'login.locked': '/api/v1/auth/login',
  '2fa.failed': '/api/v1/auth/login',
  'refresh.reused': '/api/v1/auth/refresh',
  'device.refused': 'device key',
};

/** Security events that may be an attack in progress: logged as warnings, the rest as information. */
const WARNING_EVENTS = new Set<SecurityEventType>(['2fa.failed', 'device.refused', 'input.suspicious', 'login.failed', 'login.locked', 'refresh.reused']);

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
  audit: AuditTrailService,
) {
  const departments = createDepartmentsService({ database, clock, invalidation, audit });
  // Web Push needs an https PUBLIC_URL (browsers allow push nowhere else): without one there is none.
  const pushSubject = vapidSubjectOf(config.publicUrl);
  const push = pushSubject ? createPushChannel({ db: database.db, clock, subject: pushSubject }) : undefined;
  // Patients' messages: written with each change (the queue's notifier), delivered by a worker (modules/notifications).
  const notifications = createNotifications({
    push,
    database,
    clock,
    timeZone: config.timeZone,
    publicUrl: config.publicUrl,
    defaultPhoneRegion: config.defaultPhoneRegion,
    twilio: config.notifications.twilio,
    twilioApiUrl: config.notifications.twilioApiUrl,
    outboxFile: config.notifications.outboxFile,
    delivery: { instance: newId(), retryBaseMs: config.notifications.retryBaseMs, maxAttempts: config.notifications.maxAttempts, pollMs: NOTIFICATION_POLL_MS },
    approachIntervalMs: APPROACH_CHECK_INTERVAL_MS,
    departmentName: async (id) => (await departments.findDepartment(id))?.name,
    clinicName: () => readClinicName(database.db),
    audit,
    onError,
  });
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
    audit,
    notifier: notifications.notifier,
  });
  const joinCodes = createJoinCodes({
    secret: config.jwtSecret,
    timeZone: config.timeZone,
    publicUrl: config.publicUrl,
    defaultRotation: config.joinCodeRotation,
    clock,
    department: (id) => departments.findDepartment(id),
  });
  const publicService = createPublicService({ database, clock, queue, departments, joinCodes });
  const reception = createReceptionService({
    database,
    clock,
    timeZone: config.timeZone,
    publicUrl: config.publicUrl,
    defaultPhoneRegion: config.defaultPhoneRegion,
    queue,
    audit,
    statusLinkReplaced: notifications.statusLinkReplaced,
  });
  const settings = createSettingsService({ database, clock, publicUrl: config.publicUrl, invalidation, logoMaxBytes: config.uploadLimits.logoBytes, audit });
  const passwordPolicy = createPasswordPolicy(config.passwordPolicy, async () => [(await settings.branding()).clinicName]);
  const departmentScope = createDepartmentScope({ database, invalidation, receptionistsEverywhere: async () => (await settings.access()).receptionistsEverywhere });
  const auth = createAuthService({ database, clock, jwtSecret: config.jwtSecret, invalidation, security, session: config.session, departmentScope, passwordPolicy });
  return {
    audit,
    notifications,
    push,
    retention: createPatientDataRetention({ database, clock, days: config.patientDataRetentionDays, audit }),
    auth,
    users: createUsersService({ database, clock, invalidation, sessions: auth, security, passwordPolicy, audit }),
    departments,
    joinCodes,
    devices: createDevicesService({ database, clock, jwtSecret: config.jwtSecret, invalidation, security, audit }),
    settings,
    reports: createReportsService({ database, clock, timeZone: config.timeZone }),
    queue,
    publicService,
    live: createLiveService({ database, clock, queue, auth, lookupToken: publicService.findToken }),
    counterHistory: createCounterHistory({ database, clock, lookup: { counter: (id) => departments.findCounter(id), department: (id) => departments.findDepartment(id) } }),
    display: createDisplayService({ database, clock, queue, invalidation }),
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
      // Status keys, tickets and anything else secret that a URL may carry stay out of the logs.
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: urlForLog(req.url),
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
  // The database opens before the app (and its logger) exists; its background problems are kept and logged once it does.
  const earlyDatabaseProblems: string[] = [];
  let onDatabaseProblem = (message: string): void => void earlyDatabaseProblems.push(message);
  const database = createDatabase(config.database, { onBackgroundProblem: (message) => onDatabaseProblem(message) });
  let redis: Redis | undefined;
  let bus: LiveBus = createLocalBus();
  // The bus starts before the app (and its logger) exists; its errors are logged once it does.
  let onBusError: (error: unknown) => void = () => undefined;
  let onInvalidationError: (error: unknown) => void = () => undefined;
  let invalidation: CacheInvalidationBus = createLocalInvalidationBus();
  let onKeyringError: (error: unknown) => void = () => undefined;
  let keyring: Keyring | undefined;
  let encryptedAtStart = 0;
  try {
    await migrateToLatest(database.db);
    // Patients' identifiers are encrypted: no start without the master key that opens them (the refusal names MASTER_KEY).
    keyring = await openKeyring({ database, masterKey: config.masterKey, secretsFile: config.secretsFile, production: config.production, onError: (error) => onKeyringError(error) });
    // A database from before encryption: its plaintext is encrypted before anything is served from it.
    encryptedAtStart = await reencrypt(database, keyring, { mode: 'plaintext' });
    if (config.redisUrl) {
      // Rate limits only: a Redis that hangs must not hold requests (the limits fall back to memory).
      redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: true, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
      await redis.connect();
      bus = await createRedisBus(config.redisUrl, (error) => onBusError(error));
    }
    invalidation = await createInvalidationBus({ redisUrl: config.redisUrl, database, onError: (error) => onInvalidationError(error) });
  } catch (error) {
    keyring?.close();
    await database.close();
    redis?.disconnect();
    await bus.close();
    await invalidation.close();
    throw error;
  }

  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    // A request body larger than this is refused with 413 before it is parsed (JSON_BODY_LIMIT_KB).
    bodyLimit: config.uploadLimits.jsonBodyBytes,
    // Against slow clients (slowloris, bodies dribbled a byte at a time): checked every second, not
    // Node's default 30 s, so a held connection is answered 408 and closed close to its limit.
    requestTimeout: config.timeouts.requestMs,
    // An idle kept-alive connection is closed after this, not Fastify's 72 s (behind a proxy, set it above the proxy's idle timeout).
    keepAliveTimeout: config.timeouts.keepAliveMs,
    http: { headersTimeout: config.timeouts.headersMs, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
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
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  capConnectionsPerAddress(app.server, config.connectionsPerAddress, addressMatcher(config.trustProxy || []));
  onBusError = (err) => app.log.warn({ err }, 'redis live bus');
  onDatabaseProblem = (message) => app.log.warn(`database: ${message}`);
  for (const message of earlyDatabaseProblems.splice(0)) onDatabaseProblem(message);
  onInvalidationError = (err) => app.log.warn({ err }, 'cache invalidation');
  onKeyringError = (err) => app.log.warn({ err }, 'keyring: reading data_keys again failed; the keys already loaded stay in use');
  if (encryptedAtStart > 0) app.log.info({ rows: encryptedAtStart }, 'encrypted the patients’ data left in plaintext from before encryption');
  redis?.on('error', (err: unknown) => app.log.warn({ err }, 'redis (rate limits)'));
  // The audit trail (modules/audit): changes in their own transactions, reads of patients' data, security events.
  const audit = createAuditTrail({
    database,
    clock,
    key: config.audit.key,
    files: createAuditFiles({ dir: join(config.dataDir, 'audit'), checkpointDir: config.audit.checkpointDir, retentionDays: config.audit.retentionDays }),
    onError: (err, context) => app.log.warn({ err }, context),
  });
  const feed = createSecurityFeed({
    database,
    clock,
    onError: (err) => app.log.warn({ err }, 'security feed'),
    // Rate-limit hits and blocked requests reach the audit trail as the feed counts them: one entry per
    // minute, rule, route and address (a flood is a count, not a flood of entries).
    onFlushed: (counts) => {
      for (const c of counts) {
        if (c.kind !== 'rate-limit' && c.kind !== 'blocked') continue;
        audit.note({
          type: c.kind === 'rate-limit' ? 'security.rate-limited' : 'security.request.blocked',
          action: c.rule,
          outcome: 'denied',
          actor: { kind: 'anonymous' },
          ip: c.ip,
          details: { route: c.route, count: c.count, minute: new Date(c.minute).toISOString() },
        });
      }
    },
  });
  // The security log: sign-ins, locks, reuse, sessions ended; each also goes into the audit trail.
  const security: SecurityLog = {
    record: (event) => {
      const entry = auditEntryOfSecurityEvent(event);
      if (entry) audit.note(entry);
      const signInRoute = SIGN_IN_REFUSALS[event.type];
      if (signInRoute && event.context) feed.count({ kind: 'sign-in', rule: event.type, route: signInRoute, ip: event.context.ip });
      const level = WARNING_EVENTS.has(event.type) ? 'warn' : 'info';
      app.log[level]({ security: event }, `security ${event.type}`);
      options.security?.record(event);
    },
  };
  const services = createServices(config, database, clock, bus, invalidation, (err, context) => app.log.warn({ err }, context), security, audit);
  const hub = createLiveHub({
    eventsSince: (departmentId, since, upTo) => services.live.eventsSince(departmentId, since, upTo),
    statusOf: (tokenId) => services.live.statusOf(tokenId),
    waitingSnapshot: (departmentId) => services.live.waitingSnapshot(departmentId),
    sessionAlive: async (sessionId) => {
      const deviceId = deviceIdOfSession(sessionId);
      if (deviceId) return services.devices.alive(deviceId);
      return (await services.live.principalOfSession(sessionId)) !== undefined;
    },
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
  // Every committed change, from any instance, may bring a patient's turn near.
  relay.subscribe((events) => services.notifications.lineChanged(new Set(events.map((e) => e.departmentId))));
  relay.onResync((departmentId) => services.queue.resync(departmentId));
  bus.subscribe((events) => relay.accept(events));
  // A revoked device's sockets close at once, on every instance (the bus carries the revocation);
  // so do the sockets of an ended session or a disabled user, once their session is read again.
  invalidation.subscribe((message) => {
    if (message.kind === 'device') hub.closeSession(deviceSessionId(message.id), 'device revoked');
    else if (message.kind === 'session') hub.recheckSessions(message.id);
    else if (message.kind === 'user' || message.kind === 'everything') hub.recheckSessions();
  });
  // A rotation (`keys rotate`, another process) announces its keys: read them before they are used.
  invalidation.subscribe((message) => {
    if (message.kind === 'keys' || message.kind === 'everything') keyring.reload().catch(onKeyringError);
  });
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
  await app.register(securityFeedPlugin, { feed });
  await app.register(inputDetectorPlugin, {
    mode: config.inputDetection,
    onFinding: (finding, request) => {
      const route = request.routeOptions.url ?? 'no route';
      feed.count({ kind: 'detector', rule: finding.rule, route, ip: request.ip });
      security.record({ type: 'input.suspicious', reason: `${finding.rule} in ${finding.path} of ${request.method} ${route}`, context: requestContext(request) });
    },
  });
  await app.register(bodyParsingPlugin);
  await app.register(cookie);
  await app.register(trustedOriginsPlugin, { allowedHosts: config.allowedHosts, corsOrigins: config.corsOrigins });
  await app.register(addressListsPlugin, { lists: config.addressLists });
  await app.register(securityPlugin, { hsts: config.publicUrl.startsWith('https://') });
  await app.register(rateLimitPlugin, { redis, multiplier: config.rateLimitMultiplier, defaults: config.defaultRateLimits });
  await app.register(openApiPlugin);
  await app.register(websocket, {
    options: { maxPayload: LIVE_MAX_PAYLOAD_BYTES },
    // A client's broken or oversized frame is the client's problem: a debug line, not an error stack per frame.
    errorHandler: (error, socket, request) => {
      const code = (error as Error & { code?: string }).code;
      if (code?.startsWith('WS_ERR_') || code === 'ECONNRESET' || error instanceof RangeError) request.log.debug({ code, message: error.message }, 'live socket closed: client error');
      else request.log.warn({ err: error }, 'live socket failed');
      socket.terminate();
    },
  });
  await app.register(authPlugin, { auth: services.auth, jwtSecret: config.jwtSecret, devices: services.devices, secureCookies: config.secureCookies });
  await app.register(recordAccessPlugin, { audit });

  await app.register(healthRoutes, { database });
  await app.register(webAppPlugin, {});
  await app.register(patientsRoutes, { prefix: '/api/v1', patients: services.patients });
  await app.register(authRoutes, {
    prefix: '/api/v1/auth',
    auth: services.auth,
    jwtSecret: config.jwtSecret,
    secureCookies: config.secureCookies,
    rateLimitMultiplier: config.rateLimitMultiplier,
    loginPerMinute: config.routeRateLimits.login,
  });
  await app.register(usersRoutes, { prefix: '/api/v1', users: services.users, auth: services.auth });
  await app.register(departmentsRoutes, { prefix: '/api/v1', departments: services.departments, joinCodes: services.joinCodes });
  const devicesOptions = { devices: services.devices, secureCookies: config.secureCookies, rateLimitMultiplier: config.rateLimitMultiplier };
  await app.register(devicesRoutes, { prefix: '/api/v1', ...devicesOptions });
  await app.register(devicePairingRoutes, { prefix: '/api/v1/public', ...devicesOptions });
  await app.register(setupEventsRoutes, { prefix: '/api/v1', departments: services.departments, display: services.display });
  await app.register(settingsRoutes, { prefix: '/api/v1', settings: services.settings });
  await app.register(publicBrandingRoutes, { prefix: '/api/v1/public', settings: services.settings, rateLimitMultiplier: config.rateLimitMultiplier });
  await app.register(reportsRoutes, { prefix: '/api/v1', reports: services.reports });
  await app.register(securityFeedRoutes, { prefix: '/api/v1', feed });
  // The audit trail for admins and auditors: listing, a patient's trail by phone, exports with the chain's verification.
  await app.register(auditAdminRoutes, {
    prefix: '/api/v1',
    auditAdmin: createAuditAdminService({
      database,
      audit,
      clock,
      key: config.audit.key,
      checkpointFolders: [join(config.dataDir, 'audit'), ...(config.audit.checkpointDir ? [config.audit.checkpointDir] : [])],
      phoneIndex: (phone) => cipherOf(database.db).blindIndex('phone', toE164(phone, config.defaultPhoneRegion)),
    }),
  });
  await app.register(queueRoutes, { prefix: '/api/v1', queue: services.queue });
  await app.register(notificationsRoutes, {
    prefix: '/api/v1',
    notifications: services.notifications,
    queue: services.queue,
    departmentIds: async () => (await services.departments.listDepartments()).map((d) => d.id),
    departmentExists: async (id) => (await services.departments.findDepartment(id)) !== undefined,
  });
  if (services.push) {
    await app.register(pushRoutes, {
      prefix: '/api/v1/public',
      push: services.push,
      tokenOfStatusKey: (statusKey) => services.queue.findByStatusKey(statusKey),
      pushOffered: async (departmentId) => (await services.notifications.settings.read(departmentId)).channels.push,
      onSubscribed: (tokenId, statusKey) => services.notifications.pushConsented(tokenId, `${config.publicUrl}/s/${statusKey}`),
      rateLimitMultiplier: config.rateLimitMultiplier,
    });
  }
  await app.register(twilioWebhookRoutes, {
    prefix: '/api/v1/public',
    notifications: services.notifications,
    replies: services.notifications.replies(services.queue),
    publicUrl: config.publicUrl,
    rateLimitMultiplier: config.rateLimitMultiplier,
  });
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
    socketsPerAddress: config.liveSocketsPerAddress,
    devices: services.devices,
    secureCookies: config.secureCookies,
  });
  await app.register(publicRoutes, {
    prefix: '/api/v1/public',
    publicService: services.publicService,
    queue: services.queue,
    rateLimitMultiplier: config.rateLimitMultiplier,
    limits: { status: config.routeRateLimits.status, checkIn: config.routeRateLimits.checkIn },
  });

  const purge = setInterval(() => {
    purgeExpiredKeys(database, clock.now()).catch((err: unknown) => app.log.warn({ err }, 'idempotency purge failed'));
    services.live.purge().catch((err: unknown) => app.log.warn({ err }, 'live event purge failed'));
    services.devices.purge(clock.now()).catch((err: unknown) => app.log.warn({ err }, 'pairing code purge failed'));
    services.auth.purge(clock.now()).catch((err: unknown) => app.log.warn({ err }, 'ended session purge failed'));
    services.retention.eraseDue().catch((err: unknown) => app.log.warn({ err }, 'patient data retention failed'));
  }, IDEMPOTENCY_PURGE_INTERVAL_MS);
  purge.unref();

  // The daily encrypted backup (BACKUP_SCHEDULE), taken by one instance of many: modules/backups.
  const backups = createScheduledBackups({
    config,
    database,
    clock,
    key: backupKeyFromKeyring(keyring),
    audit,
    log: { info: (message) => app.log.info(message), warn: (message) => app.log.warn(message) },
    onError: (err, context) => app.log.error({ err }, context),
  });

  app.addHook('preClose', async () => {
    hub.close();
  });
  app.addHook('onClose', async () => {
    clearInterval(purge);
    // A message being sent finishes (or is left claimed, for a later start to take over).
    await services.notifications.stop();
    // A backup under way is stopped (its partial files removed) before the database closes.
    await backups?.stop();
    // The feed's last counts go to the audit trail, which is chained last, before the database closes.
    await feed.close().catch((err: unknown) => app.log.warn({ err }, 'security feed'));
    audit.note({ type: 'system.stopped', action: 'stop', actor: SYSTEM_AUDIT_ACTOR });
    await audit.stop().catch((err: unknown) => app.log.error({ err }, 'audit trail: the last entries were not chained'));
    await relay.close();
    await bus.close();
    await invalidation.close();
    keyring.close();
    await database.close();
    if (redis) await redis.quit().catch(() => undefined);
  });

  await app.ready();
  audit.start();
  audit.note({ type: 'system.started', action: 'start', actor: SYSTEM_AUDIT_ACTOR, details: { database: database.dialect } });
  backups?.start();
  services.notifications.start({
    waitingHead: (departmentId, limit) => services.queue.waitingHead(departmentId, limit),
    departmentIds: async () => (await services.departments.listDepartments()).map((d) => d.id),
  });
  return app as unknown as App;
}
