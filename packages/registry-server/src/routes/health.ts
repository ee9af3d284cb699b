import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { problemDocument } from '@aam/core';
import { RETRY_AFTER_S } from '../problem.js';
import type { RegistryMetrics } from '../metrics.js';
import type { RegistryContext } from '../services/context.js';

/** How long each readiness check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 3_000;

async function timed(
  what: string,
  fn: () => Promise<unknown>,
  log: FastifyBaseLogger,
): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, fail) => {
        timer = setTimeout(
          () => fail(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { ok: true };
  } catch (e) {
    // The cause (hosts, driver messages) goes to the log; the public answer says only what failed.
    log.warn({ err: (e as { cause?: unknown }).cause ?? e }, `readiness: ${what} failed`);
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Operations: `/healthz` (the process answers), `/readyz` (the database and the archive store answer and the
 * log's head verifies: its signed checkpoint, under this registry's key, names the size and root the stored
 * tree gives), `/metrics` (Prometheus). None of them is rate-limited; none reveals more than counts.
 */
export const healthRoutes: FastifyPluginAsync<{ ctx: RegistryContext; metrics: RegistryMetrics }> = async (
  app,
  { ctx, metrics },
) => {
  const noLimit = { config: { rateLimit: false } };

  app.get('/healthz', noLimit, async (_req, reply) => {
    void reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  app.get('/readyz', noLimit, async (req, reply) => {
    let size: number | undefined;
    const [database, storage] = await Promise.all([
      timed(
        'the database',
        () =>
          ctx.db.read(async (q) => {
            size = (await ctx.audit.verifiedHead(q)).size;
          }),
        req.log,
      ),
      timed('the archive store', () => ctx.blobs.ping(), req.log),
    ]);
    const ready = database.ok && storage.ok;
    const checks = { database, storage, ...(size !== undefined ? { log_size: size } : {}) };
    void reply.header('cache-control', 'no-store');
    if (ready) return { status: 'ready', checks };
    void reply.code(503).header('retry-after', String(RETRY_AFTER_S)).type('application/problem+json');
    const failed = [!database.ok && 'the database or the log head', !storage.ok && 'the archive store'];
    return problemDocument(
      503,
      'not_ready',
      `Not ready: ${failed.filter(Boolean).join(' and ')} failed the check`,
      { retry_after: RETRY_AFTER_S, checks },
    );
  });

  app.get('/metrics', noLimit, async (_req, reply) => {
    void reply.type(metrics.registry.contentType).header('cache-control', 'no-store');
    return metrics.registry.metrics();
  });
};
