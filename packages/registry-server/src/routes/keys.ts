import type { FastifyPluginAsync } from 'fastify';
import { caller } from '../services/callers.js';
import { registryKeys, rotateAttestationKey } from '../services/keys.js';
import type { Req, RouteOptions } from './request.js';

/** The registry's public keys, and the admin's rotation of its attestation key. */
export const keyRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  app.get('/api/v1/keys', async () => registryKeys(ctx));

  app.post('/api/v1/keys/rotate', async (req: Req) => {
    const p = await caller(ctx, req.headers.authorization);
    return rotateAttestationKey(ctx, p, req.body);
  });
};
