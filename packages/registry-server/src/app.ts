import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { redact, redactDeep } from '@aam/core';
import { badRequest, notFound, problemOf, RegistryError } from './problem.js';
import { createMetrics } from './metrics.js';
import { approvalRoutes } from './routes/approvals.js';
import { auditRoutes } from './routes/audit.js';
import { discoveryRoutes } from './routes/discovery.js';
import { distTagRoutes } from './routes/dist-tags.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { ownerRoutes } from './routes/owners.js';
import { packageRoutes } from './routes/packages.js';
import { publishRoutes } from './routes/publish.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { versionRoutes } from './routes/versions.js';
import { webRoutes } from './routes/web.js';
import type { RegistryContext } from './services/context.js';

export interface AppOptions extends RegistryContext {
  /** Requests per minute per client address: publishes, and everything else. */
  rateLimit: { publish: number; other: number };
  /** Fastify's structured (JSON) log on stderr at this level; none when unset. Credentials are redacted. */
  logLevel?: LogLevel;
  /**
   * Behind a reverse proxy: which peers' `X-Forwarded-For` / `-Proto` / `-Host` to believe (Fastify's
   * `trustProxy`: addresses or CIDRs, or a hop count). The client address (rate limits, logs) comes from there.
   * Unset: none (a client could otherwise pick its own address and its own rate-limit bucket).
   */
  trustProxy?: string[] | number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * The log configuration: no header that carries a credential, and every message and error redacted (a token
 * echoed by a library in an error message is caught by its shape).
 */
function loggerOptions(level: LogLevel) {
  return {
    level,
    // stdout carries the start-up banner (URL, keys); the log goes to stderr.
    stream: process.stderr,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; id?: string }) => ({
        method: req.method,
        url: redact(req.url),
        remoteAddress: req.ip,
      }),
      err: (e: Error & { code?: string }) =>
        redactDeep({ type: e.name, message: e.message, code: e.code, stack: e.stack ?? '' }),
    },
    hooks: {
      // Free text passed to the logger (`log.info('...')`) is redacted as well.
      logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redact(a) : a)),
        );
      },
    },
  };
}

/** The two ways to publish, counted in `aam_registry_publishes_total`. */
const PUBLISH_ROUTES = new Set(['POST /api/v1/packages', 'PUT /api/v1/packages/:pkg/versions/:ver']);

/** The registry's HTTP API (`/api/v1`, registry-anchors §5): Fastify set up, then one plugin per resource. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { rateLimit: rates, logLevel, trustProxy, ...ctx } = opts;
  const app = Fastify({
    // A hop count: the nearest `n` peers are proxies (what proxy-addr does with a number).
    ...(trustProxy !== undefined
      ? {
          trustProxy:
            typeof trustProxy === 'number' ? (_addr: string, hop: number) => hop < trustProxy : trustProxy,
        }
      : {}),
    logger: logLevel ? loggerOptions(logLevel) : false,
    bodyLimit: 1024 * 1024,
    // `/packages/@scope/name/...` → one `:pkg` parameter (`@scope%2Fname` decodes to `@scope/name`).
    rewriteUrl: (req) =>
      (req.url ?? '/').replace(/^\/api\/v1\/packages\/(@[^/?]+)\/([^/?]+)/, '/api/v1/packages/$1%2F$2'),
  });

  await app.register(multipart, {
    limits: { fileSize: opts.limits.maxArchiveSize, files: 2, fields: 10, fieldSize: 2 * 1024 * 1024 },
  });
  await app.register(rateLimit, {
    global: true,
    max: rates.other,
    timeWindow: 60_000,
    // Keyed by client address: a token is only known to be real after authentication, and one that merely
    // looks valid (its checksum can be computed offline) must not buy a fresh allowance.
    keyGenerator: (req) => `ip:${req.ip}`,
    errorResponseBuilder: (_req, rl) =>
      new RegistryError(429, 'rate_limited', `Too many requests: retry in ${Math.ceil(rl.ttl / 1000)} s`, {
        retry_after: Math.ceil(rl.ttl / 1000),
      }),
  });
  app.setErrorHandler((err: unknown, req, reply) => {
    let e: RegistryError;
    if (err instanceof RegistryError) e = err;
    else {
      const fe = err as { statusCode?: number; code?: string; message?: string };
      if (fe.code === 'FST_REQ_FILE_TOO_LARGE')
        e = new RegistryError(
          413,
          'archive_too_large',
          `The archive is larger than ${opts.limits.maxArchiveSize} bytes`,
        );
      else if (
        fe.code === 'FST_FILES_LIMIT' ||
        fe.code === 'FST_FIELDS_LIMIT' ||
        fe.code === 'FST_PARTS_LIMIT'
      )
        e = new RegistryError(413, 'too_many_parts', 'Too many parts in the upload');
      else if (fe.statusCode === 413)
        e = new RegistryError(413, 'body_too_large', 'The request body is too large');
      else if (fe.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || fe.statusCode === 415)
        e = new RegistryError(415, 'unsupported_media_type', 'Publish with multipart/form-data');
      else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)
        e = new RegistryError(fe.statusCode, 'bad_request', fe.message ?? 'Bad request');
      else {
        req.log.error(err);
        e = new RegistryError(500, 'internal', 'Internal error');
      }
    }
    void reply.code(e.status).headers(e.headers).type('application/problem+json').send(problemOf(e, req.id));
  });
  // `?a=1&a=2` arrives as an array: every parameter here is single-valued.
  app.addHook('preValidation', async (req) => {
    for (const v of Object.values((req.query ?? {}) as Record<string, unknown>))
      if (Array.isArray(v)) throw badRequest('A query parameter is given more than once');
  });
  app.setNotFoundHandler((req, reply) => {
    const e = notFound(`${req.method} ${req.url.split('?')[0]}`, 'route_not_found');
    void reply.code(404).type('application/problem+json').send(problemOf(e, req.id));
  });

  const metrics = createMetrics(ctx);
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    metrics.requests.inc({ method: req.method, route, status });
    metrics.latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    if (PUBLISH_ROUTES.has(`${req.method} ${route}`)) metrics.publishes.inc({ status });
  });
  await app.register(healthRoutes, { ctx, metrics });
  await app.register(discoveryRoutes, { ctx });
  await app.register(keyRoutes, { ctx });
  await app.register(auditRoutes, { ctx });
  await app.register(userRoutes, { ctx });
  await app.register(tokenRoutes, { ctx });
  await app.register(packageRoutes, { ctx });
  await app.register(publishRoutes, { ctx, publishesPerMinute: rates.publish });
  await app.register(versionRoutes, { ctx });
  await app.register(distTagRoutes, { ctx });
  await app.register(approvalRoutes, { ctx });
  await app.register(ownerRoutes, { ctx });
  await app.register(webRoutes, { ctx });
  return app;
}
