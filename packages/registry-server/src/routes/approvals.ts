import type { FastifyPluginAsync } from 'fastify';
import { approvalQueue, decideApproval } from '../services/approvals.js';
import { caller } from '../services/callers.js';
import { packageParam, versionParam, type Req, type RouteOptions } from './request.js';

/** The approval queue and approvers' decisions (registries started with --require-approval). */
export const approvalRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  app.get('/api/v1/approvals', async (req: Req) =>
    approvalQueue(ctx, await caller(ctx, req.headers.authorization)),
  );

  app.post('/api/v1/packages/:pkg/versions/:ver/approvals', async (req: Req, reply) => {
    const pkg = packageParam(req);
    const ver = versionParam(req);
    const p = await caller(ctx, req.headers.authorization);
    const out = await decideApproval(ctx, p, pkg, ver, req.body);
    void reply.code(201);
    return out;
  });
};
