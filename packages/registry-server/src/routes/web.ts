import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from './request.js';

/** The registry's web pages (server-rendered HTML at `/`). */
export const webRoutes: FastifyPluginAsync<RouteOptions> = async () => {};
