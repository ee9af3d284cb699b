import type { FastifyPluginAsync } from 'fastify';
import { pageRequest, wholeNumber } from '../input.js';
import {
  auditEntries,
  auditEntry,
  consistencyProof,
  inclusionProof,
  latestCheckpoint,
} from '../services/audit-log.js';
import { packageParam, type Req, type RouteOptions } from './request.js';

/** The audit log: its signed checkpoint, inclusion and consistency proofs, and its entries. */
export const auditRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  app.get('/api/v1/audit/checkpoint', async (_req, reply) => {
    const checkpoint = await latestCheckpoint(ctx);
    void reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache');
    return checkpoint;
  });

  app.get('/api/v1/audit/proof/inclusion', async (req: Req) => {
    const index = wholeNumber(req.query.index, 'index');
    const size = wholeNumber(req.query.tree_size, 'tree_size');
    return inclusionProof(ctx, index, size);
  });

  app.get('/api/v1/audit/proof/consistency', async (req: Req) => {
    const from = wholeNumber(req.query.from, 'from');
    const to = wholeNumber(req.query.to, 'to');
    return consistencyProof(ctx, from, to);
  });

  // `from=N`: the entries from index N on (a client bringing its copy of the log up to date); else by cursor.
  app.get('/api/v1/audit/entries', async (req: Req) => {
    const { package: pkg, event, actor, from } = req.query;
    const page = pageRequest(req.query, 50);
    if (from !== undefined && page.after === null) {
      const start = wholeNumber(from, 'from');
      if (start > 0) page.after = String(start - 1);
    }
    return auditEntries(ctx, { package: pkg, event, actor }, page);
  });

  app.get('/api/v1/audit/entries/:id', async (req: Req) =>
    auditEntry(ctx, wholeNumber(req.params.id, 'index')),
  );

  app.get('/api/v1/packages/:pkg/audit', async (req: Req) => {
    const pkg = packageParam(req);
    const { event, actor } = req.query;
    return auditEntries(ctx, { package: pkg, event, actor }, pageRequest(req.query, 50));
  });
};
