import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { PostgresUserStore } from '@relaybox/auth/postgres';
import { ErrorCode } from '@relaybox/protocol';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { registerAppAuthRoutes } from './app-auth/app-auth.routes.js';
import { registerAppAuthUserRoutes } from './app-auth/app-auth-users.routes.js';
import { registerAppRoutes } from './apps/apps.routes.js';
import { registerAuthRoutes } from './auth/auth.routes.js';
import { LoginRateLimiter } from './auth/login-rate-limiter.js';
import { PasswordHasher } from './auth/password-hasher.js';
import { installSessionGuard } from './auth/session-guard.js';
import { SessionStore } from './auth/session-store.js';
import { SignupRateLimiter } from './auth/signup-rate-limiter.js';
import type { ControlPlaneConfig } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { installErrorHandler } from './error-handler.js';
import { registerHealthRoutes } from './health/health.routes.js';
import { installInputGuard } from './input-guard.js';
import { internalRoutes } from './internal/internal.routes.js';
import { KeyEvents } from './keys/key-events.js';
import { registerKeyRoutes } from './keys/keys.routes.js';
import { ApiError } from './lib/api-error.js';
import { SecretBox } from './lib/secret-box.js';
import { loggerOptions } from './logging.js';
import { installSecurityHeaders } from './security-headers.js';
import type { Services } from './services.js';
import { registerUsageRoutes } from './usage/usage.routes.js';
import { registerDeadLetterRoutes } from './webhooks/dead-letters.routes.js';
import { registerWebhookRoutes } from './webhooks/webhooks.routes.js';

export interface ControlPlane {
  readonly app: FastifyInstance;
  readonly database: DatabaseHandle;
  /** Listens on config.host:config.port; resolves to the base URL. */
  listen(): Promise<string>;
  /** `/ready` answers 503 from the first call on, while in-flight requests finish. */
  close(): Promise<void>;
}

/** Opens the database, runs migrations and builds the Fastify app (not yet listening). */
export async function createControlPlane(
  config: ControlPlaneConfig,
  options: { logStream?: NodeJS.WritableStream } = {},
): Promise<ControlPlane> {
  const database = await openDatabase(config);
  let stopping = false;
  try {
    if (config.migrateOnStart) await migrateToLatest(database.db);
    const app = Fastify({
      logger: loggerOptions(config.logLevel, options.logStream),
      trustProxy: config.trustProxy.length > 0 ? [...config.trustProxy] : false,
      bodyLimit: 256 * 1024,
      ...timeouts(config),
      ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
      // Errors Fastify raises before routing (a malformed URL) get the same body as every other.
      frameworkErrors: (error, _request, reply) => {
        (reply as unknown as FastifyReply)
          .status(400)
          .send({ error: { code: ErrorCode.InvalidRequest, message: error.message } });
      },
    });
    const keyEvents = new KeyEvents(database, app.log);
    await keyEvents.start();
    const users = config.authDatabaseUrl
      ? new PostgresUserStore({ connectionString: config.authDatabaseUrl, max: 2 })
      : undefined;
    await users?.ensureSchema();
    const services: Services = {
      config,
      db: database.db,
      box: new SecretBox(config.masterKeyVersion, config.masterKey, config.previousMasterKeys),
      passwords: await PasswordHasher.create(config.argon2),
      sessions: new SessionStore(database.db),
      loginLimiter: new LoginRateLimiter(database.db),
      signupLimiter: new SignupRateLimiter(database.db, config.signupRateLimit),
      keyEvents,
      users,
    };
    await configure(app, services, () => stopping);
    app.addHook('onClose', async () => {
      await keyEvents.close();
      await users?.close();
      await database.close();
    });
    return {
      app,
      database,
      listen: () => app.listen({ host: config.host, port: config.port }),
      close: () => {
        stopping = true;
        return app.close();
      },
    };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Slow clients cannot hold connections: the whole request (headers included) must arrive within
 * `requestTimeoutMs` (Node answers 408 and closes), and a connection idle both ways is closed
 * after `connectionTimeoutMs`. Node checks pending requests every `connectionsCheckingInterval`
 * (30 s by default, too coarse for the bound), so the check runs at a quarter of the timeout.
 */
function timeouts(config: ControlPlaneConfig) {
  const requestTimeout = config.requestTimeoutMs;
  return {
    requestTimeout,
    connectionTimeout: config.connectionTimeoutMs,
    http: {
      headersTimeout: Math.min(requestTimeout, 60_000),
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(requestTimeout / 4))),
    },
  };
}

async function configure(app: FastifyInstance, services: Services, stopping: () => boolean): Promise<void> {
  installSecurityHeaders(app);
  installJsonOnly(app);
  await app.register(fastifyCookie);
  // Routes take the error handler in force when they are registered: every route comes after it.
  installErrorHandler(app);
  installInputGuard(app);
  registerHealthRoutes(app, services, stopping);
  installSessionGuard(app, services);
  registerAuthRoutes(app, services);
  registerAppRoutes(app, services);
  registerKeyRoutes(app, services);
  registerAppAuthRoutes(app, services);
  registerAppAuthUserRoutes(app, services);
  registerWebhookRoutes(app, services);
  registerDeadLetterRoutes(app, services);
  registerUsageRoutes(app, services);
  await app.register((scope) => internalRoutes(scope, services), { prefix: '/internal/v1' });
  await serveWeb(app, services.config.webDist);
}

/** Bodies must be JSON (a cross-site form cannot send that without a CORS preflight); an empty
 * JSON body counts as no body, so bodiless POSTs may still send the header. */
function installJsonOnly(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ApiError(ErrorCode.InvalidRequest, 'the body is not valid JSON'), undefined);
    }
  });
}

/** The built web app at `/` (when built), with the SPA fallback (index.html) for non-API GETs;
 * unknown API routes get a JSON 404. */
async function serveWeb(app: FastifyInstance, webDist: string | null): Promise<void> {
  const spa = webDist !== null && existsSync(join(webDist, 'index.html'));
  if (spa) await app.register(fastifyStatic, { root: webDist, wildcard: false });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const api = path.startsWith('/api/') || path.startsWith('/internal/');
    if (spa && request.method === 'GET' && !api) return reply.sendFile('index.html');
    return reply
      .status(404)
      .send({ error: { code: ErrorCode.NotFound, message: `no route ${request.method} ${path}` } });
  });
}
