import type { FastifyPluginAsync } from 'fastify';
import { caller, optionalCaller } from '../services/callers.js';
import { addOwner, packageOwners, removeOwner } from '../services/owners.js';
import {
  acceptTransfer,
  cancelTransfer,
  declineTransfer,
  offerTransfer,
  pendingTransfers,
} from '../services/transfers.js';
import { packageParam, type Req, type RouteOptions } from './request.js';

/** A package's owners, and the transfer of a package from one owner to another user (offer, answer, cancel). */
export const ownerRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  app.get('/api/v1/packages/:pkg/owners', async (req: Req) => {
    const pkg = packageParam(req);
    return packageOwners(ctx, await optionalCaller(ctx, req.headers.authorization), pkg);
  });

  app.put('/api/v1/packages/:pkg/owners/:user', async (req: Req) => {
    const pkg = packageParam(req);
    const p = await caller(ctx, req.headers.authorization);
    return addOwner(ctx, p, pkg, req.params.user ?? '');
  });

  app.delete('/api/v1/packages/:pkg/owners/:user', async (req: Req, reply) => {
    const pkg = packageParam(req);
    const p = await caller(ctx, req.headers.authorization);
    await removeOwner(ctx, p, pkg, req.params.user ?? '');
    void reply.code(204);
  });

  app.post('/api/v1/packages/:pkg/ownership-transfers', async (req: Req, reply) => {
    const pkg = packageParam(req);
    const p = await caller(ctx, req.headers.authorization);
    const out = await offerTransfer(ctx, p, pkg, req.body);
    void reply.code(202);
    return out;
  });

  app.get('/api/v1/ownership-transfers', async (req: Req) =>
    pendingTransfers(ctx, await caller(ctx, req.headers.authorization)),
  );

  app.delete('/api/v1/ownership-transfers/:id', async (req: Req, reply) => {
    const p = await caller(ctx, req.headers.authorization);
    await cancelTransfer(ctx, p, req.params.id ?? '');
    void reply.code(204);
  });

  app.post('/api/v1/ownership-transfers/:id/accept', async (req: Req) => {
    const p = await caller(ctx, req.headers.authorization);
    return acceptTransfer(ctx, p, req.params.id ?? '');
  });

  app.post('/api/v1/ownership-transfers/:id/decline', async (req: Req) => {
    const p = await caller(ctx, req.headers.authorization);
    return declineTransfer(ctx, p, req.params.id ?? '');
  });
};
