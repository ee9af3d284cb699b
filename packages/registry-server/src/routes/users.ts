import type { FastifyPluginAsync } from 'fastify';
import { caller } from '../services/callers.js';
import { callerDocument, createUser } from '../services/users.js';
import type { Req, RouteOptions } from './request.js';

/** Who the caller is, and the admin's creation of users. */
export const userRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  app.get('/api/v1/users/me', async (req: Req) =>
    callerDocument(await caller(ctx, req.headers.authorization)),
  );

  app.post('/api/v1/users', async (req: Req, reply) => {
    const p = await caller(ctx, req.headers.authorization);
    const out = await createUser(ctx, p, req.body);
    void reply.code(201);
    return out;
  });
};
