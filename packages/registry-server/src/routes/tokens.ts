import type { FastifyPluginAsync } from 'fastify';
import { caller } from '../services/callers.js';
import { createToken, listTokens, revokeToken } from '../services/tokens.js';
import type { Req, RouteOptions } from './request.js';

/** The caller's API tokens: list, create, revoke. */
export const tokenRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  app.get('/api/v1/tokens', async (req: Req) =>
    listTokens(ctx, await caller(ctx, req.headers.authorization)),
  );

  app.post('/api/v1/tokens', async (req: Req, reply) => {
    const p = await caller(ctx, req.headers.authorization);
    const out = await createToken(ctx, p, req.body);
    void reply.code(201);
    return out;
  });

  app.delete('/api/v1/tokens/:id', async (req: Req, reply) => {
    const p = await caller(ctx, req.headers.authorization);
    await revokeToken(ctx, p, req.params.id ?? '');
    void reply.code(204);
  });
};
