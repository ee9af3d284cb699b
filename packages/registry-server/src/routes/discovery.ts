import type { FastifyPluginAsync } from 'fastify';
import { capabilities } from '../services/discovery.js';
import type { RouteOptions } from './request.js';

/** `GET /api/v1` (what this registry is and offers) and `GET /health`. */
export const discoveryRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  app.get('/api/v1', async () => capabilities(ctx));
  app.get('/health', async () => ({ ok: true }));
};
