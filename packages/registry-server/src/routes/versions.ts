import type { FastifyPluginAsync } from 'fastify';
import { RegistryError } from '../problem.js';
import { caller } from '../services/callers.js';
import { deprecateVersion, undeprecateVersion, unyankVersion, yankVersion } from '../services/versions.js';
import { packageParam, versionParam, type Req, type RouteOptions } from './request.js';

/** Changes to a published version by its owners: yank and deprecation, each undone by DELETE. */
export const versionRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  app.delete('/api/v1/packages/:pkg/versions/:ver', async (_req, reply) => {
    void reply.header('allow', 'GET, PUT');
    throw new RegistryError(405, 'use_yank', 'Published versions are never deleted: yank them (aam yank)');
  });

  /** The version addressed (a malformed one is 400 before any token is looked at) and the caller. */
  const target = async (req: Req) => {
    const pkg = packageParam(req);
    const ver = versionParam(req);
    return { pkg, ver, p: await caller(ctx, req.headers.authorization) };
  };

  app.put('/api/v1/packages/:pkg/versions/:ver/yank', async (req: Req) => {
    const { p, pkg, ver } = await target(req);
    return yankVersion(ctx, p, pkg, ver, req.body);
  });

  app.delete('/api/v1/packages/:pkg/versions/:ver/yank', async (req: Req) => {
    const { p, pkg, ver } = await target(req);
    return unyankVersion(ctx, p, pkg, ver);
  });

  app.put('/api/v1/packages/:pkg/versions/:ver/deprecation', async (req: Req) => {
    const { p, pkg, ver } = await target(req);
    return deprecateVersion(ctx, p, pkg, ver, req.body);
  });

  app.delete('/api/v1/packages/:pkg/versions/:ver/deprecation', async (req: Req) => {
    const { p, pkg, ver } = await target(req);
    return undeprecateVersion(ctx, p, pkg, ver);
  });
};
