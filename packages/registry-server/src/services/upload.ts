// What a publish uploaded, checked before anything is stored: the archive (its checksum, a safe unpack, the
// name and version the URL claimed) and the author's signature (verified).
import { createHash } from 'node:crypto';
import { AamError, readArchive, verifySignature, type Manifest, type ScanFile } from '@aam/core';
import { badRequest, RegistryError } from '../problem.js';
import type { RegistryContext } from './context.js';

/** What a publish uploaded (multipart): the archive, the author's signature if any, and the text fields. */
export interface Upload {
  archive: Buffer;
  signature?: Buffer;
  /** `sha256`, `tag`, `signature_type`. */
  fields: Record<string, string>;
}

/** An author's signature, verified: what the registry records and attests. */
export interface VerifiedSignature {
  type: string;
  bytes: Buffer;
  identity?: string;
  issuer?: string;
  fingerprint?: string;
}

/**
 * The archive's checksum, manifest and files (in memory, for the scanners): it must match the `sha256` field,
 * unpack safely and be what the URL named.
 */
export async function inspectUpload(
  ctx: RegistryContext,
  { archive, fields }: Upload,
  url: { name?: string; version?: string },
): Promise<{ checksum: string; manifest: Manifest; contents: ScanFile[]; paths: string[] }> {
  const checksum = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
  if (fields.sha256 !== undefined && fields.sha256.replace(/^sha256:/, '') !== checksum.slice(7))
    throw new RegistryError(
      422,
      'checksum_mismatch',
      `The sha256 part says ${fields.sha256}; the archive is ${checksum}`,
    );
  let manifest: Manifest;
  let contents: ScanFile[];
  let paths: string[];
  // The files are held in memory for the scanners: at most the scan budget of them.
  const scanCapped = ctx.scanMaxBytes < ctx.limits.maxUnpackedSize;
  const limits = scanCapped ? { ...ctx.limits, maxUnpackedSize: ctx.scanMaxBytes } : ctx.limits;
  try {
    ({ manifest, contents, files: paths } = await readArchive(archive, limits));
  } catch (e) {
    if (e instanceof AamError && scanCapped && e.details.limit === 'max_unpacked_size')
      throw new RegistryError(
        413,
        'scan_budget_exceeded',
        `The package unpacks to more than the ${ctx.scanMaxBytes} bytes this registry scans in one upload: nothing was stored`,
      );
    if (e instanceof AamError) {
      const code = e.code === 'INVALID_MANIFEST' ? 'invalid_manifest' : 'invalid_archive';
      throw new RegistryError(422, code, e.message);
    }
    throw e;
  }
  const { name, version } = manifest;
  if ((url.name !== undefined && url.name !== name) || (url.version !== undefined && url.version !== version))
    throw new RegistryError(
      422,
      'name_mismatch',
      `The archive is ${name}@${version}, not ${url.name ?? name}@${url.version ?? version}`,
    );
  return { checksum, manifest, contents, paths };
}

/**
 * The author's signature, when sent, must verify over these exact bytes (offline, against the bundled or
 * configured trust roots): the registry records, and later attests, only a verified identity.
 */
export async function authorSignature(
  ctx: RegistryContext,
  { archive, signature, fields }: Upload,
  v: { name: string; version: string; checksum: string },
): Promise<VerifiedSignature | undefined> {
  const sigType = fields.signature_type;
  if (signature && !sigType) throw badRequest("A 'signature' part needs a 'signature_type' field");
  if (sigType && !signature) throw badRequest("A 'signature_type' field needs a 'signature' part");
  if (sigType && !/^[a-z][a-z0-9-]{0,31}$/.test(sigType)) throw badRequest('signature_type is not valid');
  if (!signature || !sigType) return undefined;
  const fact = await verifySignature(
    ctx.verifiers,
    {
      bytes: archive,
      checksum: v.checksum as `sha256:${string}`,
      size: archive.length,
      name: v.name,
      version: v.version,
    },
    { source: `${v.name}@${v.version} signature`, declaredType: sigType, bytes: signature },
    { keys: [], offline: true },
  );
  if (fact.valid && fact.type !== sigType)
    throw new RegistryError(
      422,
      'signature_invalid',
      `The signature is a ${fact.type} signature, not ${sigType}: declare its real type`,
    );
  if (!fact.valid)
    throw new RegistryError(
      422,
      'signature_invalid',
      `The ${sigType} signature does not verify: ${fact.errors.join('; ').slice(0, 500)}`,
    );
  return {
    type: sigType,
    bytes: signature,
    ...(fact.identity ? { identity: fact.identity } : {}),
    ...(fact.issuer ? { issuer: fact.issuer } : {}),
    ...(fact.fingerprint ? { fingerprint: fact.fingerprint } : {}),
  };
}
