// Builds the Fastify app from its parts. No listening, no process handling:
// tests build it with an in-memory logger and `inject` requests.
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { type Config, fastifyTrustProxy } from './config.ts';
import type { EhrGateway } from './ehr/gateway/gateway.ts';
import { ehrLinkRoutes } from './ehr/link/routes.ts';
import { outboxRoutes } from './ehr/outbox/routes.ts';
import { discrepancyRoutes } from './ehr/reconcile/routes.ts';
import { activationRoutes } from './modules/accounts/activation-routes.ts';
import { accountAdminRoutes } from './modules/accounts/admin-routes.ts';
import { mfaRoutes } from './modules/accounts/mfa-routes.ts';
import { passkeyRoutes } from './modules/accounts/passkey-routes.ts';
import { recoveryRoutes } from './modules/accounts/recovery-routes.ts';
import { sessionRoutes } from './modules/accounts/session-routes.ts';
import { settingsRoutes } from './modules/accounts/settings-routes.ts';
import { ipKey } from './modules/accounts/throttle.ts';
import { clinicRoutes } from './modules/clinics/routes.ts';
import { complianceRoutes } from './modules/compliance/routes.ts';
import { messagingRoutes } from './modules/messaging/index.ts';
import { proxyRoutes } from './modules/patients/proxy-routes.ts';
import { patientRoutes } from './modules/patients/routes.ts';
import { recordsRoutes } from './modules/records/routes.ts';
import { refillRoutes } from './modules/refills/index.ts';
import { schedulingRoutes } from './modules/scheduling/index.ts';
import { installGuard } from './platform/auth/guard.ts';
import type { Database } from './platform/db/database.ts';
import { ApiError } from './platform/errors.ts';
import { trackRoutes } from './platform/http/access.ts';
import { installDocs } from './platform/http/docs.ts';
import { installErrorHandling } from './platform/http/errors.ts';
import { installHealth } from './platform/http/health.ts';
import { installMetrics } from './platform/http/metrics.ts';
import type { ModuleDeps, ModuleRoutes } from './platform/http/module.ts';
import { installWeb } from './platform/http/web.ts';
import type { Jobs } from './platform/jobs/jobs.ts';
import { mailboxRoutes } from './platform/mail/routes.ts';

export interface AppParts {
  config: Config;
  database: Database;
  logger: Logger;
  jobs?: Jobs;
  /** The EHR gateway routes ask while the user waits; without it they answer ehr_unavailable. */
  ehr?: EhrGateway;
  /** Folder of the built web app; defaults to dist/web. */
  webRoot?: string;
  /** True once shutdown has begun, so /readyz turns away new traffic. */
  draining?: () => boolean;
  /** More route plugins, registered before the web app's catch-all (tests use it). */
  plugins?: FastifyPluginAsync[];
}

const featureRoutes: ModuleRoutes[] = [
  sessionRoutes,
  mfaRoutes,
  passkeyRoutes,
  activationRoutes,
  recoveryRoutes,
  settingsRoutes,
  accountAdminRoutes,
  patientRoutes,
  proxyRoutes,
  complianceRoutes,
  mailboxRoutes,
  outboxRoutes,
  discrepancyRoutes,
  recordsRoutes,
  ehrLinkRoutes,
  schedulingRoutes,
  refillRoutes,
  messagingRoutes,
];

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export async function buildApp(parts: AppParts): Promise<FastifyInstance> {
  const { config, database, logger } = parts;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: 1024 * 1024,
    // Keep a well-formed id from a load balancer so one request can be traced end to end.
    // Not `requestIdHeader`: Fastify would take any header value as is and skip genReqId.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routes = trackRoutes(app);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  installErrorHandling(app);
  // Helmet's headers, built once (its Fastify wrapper builds them on every request).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'"],
        fontSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: config.env === 'production',
  });
  app.addHook('onRequest', (req, reply, done) =>
    securityHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)),
  );
  await app.register(cookie, { secret: config.cookieSecret });
  // A coarse per-IP ceiling for the API; sign-in and activation have their own
  // tighter throttles in the database, shared by every instance.
  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: '1 minute',
    // One IPv6 /64 is one client, as in the sign-in throttle.
    keyGenerator: (req) => ipKey(req.ip),
    allowList: (req) => !req.url.startsWith('/api/'),
    errorResponseBuilder: (_req, ctx) =>
      new ApiError(
        429,
        'too_many_requests',
        `Too many requests; try again in ${Math.ceil(ctx.ttl / 1000)} seconds.`,
      ),
  });
  await installDocs(app);
  installMetrics(app, { jobs: parts.jobs, token: config.metricsToken });
  installHealth(app, database, parts.draining ?? (() => false));

  await installGuard(app, database, config);
  app.addHook('onSend', async (req, reply) => {
    // API answers may carry patient data: no browser or proxy keeps a copy.
    if (req.url.startsWith('/api/') && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
  });

  await app.register(clinicRoutes, { db: database.db });
  const deps: ModuleDeps = {
    db: database.db,
    config,
    jobs: parts.jobs,
    ehr: parts.ehr,
    openTimesChanges: database.openTimesChanges,
  };
  for (const routes of featureRoutes) await app.register(routes, deps);
  for (const plugin of parts.plugins ?? []) await app.register(plugin);

  await installWeb(app, parts.webRoot);
  await app.ready();
  routes.check();
  return app;
}
