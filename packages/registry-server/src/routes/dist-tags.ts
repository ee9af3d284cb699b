import type { FastifyPluginAsync } from 'fastify';
import { isSemver } from '@aam/core';
import { badRequest } from '../problem.js';
import { jsonObject, tagName } from '../input.js';
import { caller } from '../services/callers.js';
import { distTags, removeDistTag, setDistTag } from '../services/dist-tags.js';
import { packageParam, type Req, type RouteOptions } from './request.js';

/** A package's dist-tags: read by anyone, moved and removed by its owners. */
export const distTagRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  app.get('/api/v1/packages/:pkg/dist-tags', async (req: Req) => distTags(ctx, packageParam(req)));

  app.put('/api/v1/packages/:pkg/dist-tags/:tag', async (req: Req) => {
    const pkg = packageParam(req);
    const tag = tagName(req.params.tag ?? '');
    const version = jsonObject(req.body).version;
    if (typeof version !== 'string' || !isSemver(version))
      throw badRequest('version must be a semver version');
    const p = await caller(ctx, req.headers.authorization);
    return setDistTag(ctx, p, pkg, tag, version);
  });

  app.delete('/api/v1/packages/:pkg/dist-tags/:tag', async (req: Req, reply) => {
    const pkg = packageParam(req);
    const tag = req.params.tag ?? '';
    const p = await caller(ctx, req.headers.authorization);
    await removeDistTag(ctx, p, pkg, tag);
    void reply.code(204);
  });
};
