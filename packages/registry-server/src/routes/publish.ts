import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { badRequest, RegistryError } from '../problem.js';
import { caller } from '../services/callers.js';
import { publishVersion } from '../services/publish.js';
import type { Upload } from '../services/upload.js';
import { packageParam, versionParam, type Req, type RouteOptions } from './request.js';

const MAX_SIGNATURE_BYTES = 256 * 1024;

/**
 * Publishing, multipart: `PUT /packages/{name}/versions/{version}` (the URL must name what the archive is) and
 * `POST /packages` (the archive names itself). 201 published, 202 waiting for approval, 200 a replay.
 */
export const publishRoutes: FastifyPluginAsync<RouteOptions & { publishesPerMinute: number }> = async (
  app,
  { ctx, publishesPerMinute },
) => {
  async function publish(req: Req, reply: FastifyReply, url: { name?: string; version?: string } = {}) {
    const p = await caller(ctx, req.headers.authorization);
    const receipt = await publishVersion(ctx, p, await uploadOf(req), url);
    if ('replay' in receipt) {
      void reply.code(200);
      return receipt;
    }
    void reply
      .code(receipt.status === 'pending' ? 202 : 201)
      .header('location', `/api/v1/packages/${receipt.name}/versions/${receipt.version}`);
    return receipt;
  }

  // Publishes get their own, lower rate limit.
  const publishLimit = { config: { rateLimit: { max: publishesPerMinute, timeWindow: 60_000 } } };
  app.put('/api/v1/packages/:pkg/versions/:ver', publishLimit, async (req: Req, reply) =>
    publish(req, reply, { name: packageParam(req), version: versionParam(req) }),
  );
  app.post('/api/v1/packages', publishLimit, async (req: Req, reply) => publish(req, reply));
};

/** Reads the multipart parts: the `archive` and `signature` files, and the text fields. */
async function uploadOf(req: Req): Promise<Upload> {
  if (!req.isMultipart())
    throw new RegistryError(415, 'unsupported_media_type', 'Publish with multipart/form-data');
  let archive: Buffer | undefined;
  let signature: Buffer | undefined;
  const fields: Record<string, string> = {};
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      const buf = await part.toBuffer();
      if (part.fieldname === 'archive') archive = buf;
      else if (part.fieldname === 'signature') {
        if (buf.length > MAX_SIGNATURE_BYTES)
          throw new RegistryError(
            413,
            'signature_too_large',
            `A signature may be at most ${MAX_SIGNATURE_BYTES} bytes`,
          );
        signature = buf;
      } else throw badRequest(`Unexpected file part '${part.fieldname}'`);
    } else {
      fields[part.fieldname] = String(part.value);
    }
  }
  if (!archive) throw badRequest("The 'archive' part is required");
  return { archive, fields, ...(signature ? { signature } : {}) };
}
