import type { FastifyPluginAsync } from 'fastify';
import { pageRequest } from '../input.js';
import { optionalCaller } from '../services/callers.js';
import {
  archiveDownload,
  attestationDocuments,
  packageDocument,
  searchPackages,
  signatureDocuments,
  versionList,
  visibleVersionDocument,
} from '../services/packages.js';
import { packageParam, versionParam, type Req, type RouteOptions } from './request.js';

/**
 * Reading packages: search, a package's and a version's documents, the archive, authors' signatures and the
 * registry's attestations. Public; a token also shows the pending versions its holder may see.
 */
export const packageRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  app.get('/api/v1/packages', async (req: Req) => {
    const page = pageRequest(req.query, 20);
    return searchPackages(ctx, req.query.q ?? '', page);
  });

  app.get('/api/v1/packages/:pkg', async (req: Req) => {
    const pkg = packageParam(req);
    return packageDocument(ctx, await optionalCaller(ctx, req.headers.authorization), pkg);
  });

  app.get('/api/v1/packages/:pkg/versions', async (req: Req) => {
    const pkg = packageParam(req);
    const p = await optionalCaller(ctx, req.headers.authorization);
    const page = pageRequest(req.query, 50);
    return versionList(ctx, p, pkg, page, req.query.include_yanked === 'true');
  });

  app.get('/api/v1/packages/:pkg/versions/:ver', async (req: Req) => {
    const pkg = packageParam(req);
    const ver = versionParam(req);
    return visibleVersionDocument(ctx, await optionalCaller(ctx, req.headers.authorization), pkg, ver);
  });

  app.get('/api/v1/packages/:pkg/versions/:ver/archive', async (req: Req, reply) => {
    const pkg = packageParam(req);
    const ver = versionParam(req);
    const archive = await archiveDownload(
      ctx,
      await optionalCaller(ctx, req.headers.authorization),
      pkg,
      ver,
    );
    const hex = archive.checksum.slice('sha256:'.length);
    const etag = `"${archive.checksum}"`;
    void reply
      .header('etag', etag)
      .header('repr-digest', `sha-256=:${Buffer.from(hex, 'hex').toString('base64')}:`)
      .header('x-checksum-sha256', hex)
      .header('cache-control', archive.approved ? 'public, max-age=31536000, immutable' : 'private');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    void reply.type('application/gzip').header('content-length', String(archive.size));
    return reply.send(await archive.contents());
  });

  app.get('/api/v1/packages/:pkg/versions/:ver/signatures', async (req: Req) => {
    const pkg = packageParam(req);
    const ver = versionParam(req);
    return signatureDocuments(ctx, await optionalCaller(ctx, req.headers.authorization), pkg, ver);
  });

  app.get('/api/v1/packages/:pkg/versions/:ver/attestations', async (req: Req) => {
    const pkg = packageParam(req);
    const ver = versionParam(req);
    return attestationDocuments(ctx, await optionalCaller(ctx, req.headers.authorization), pkg, ver);
  });
};
