import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AamConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import { sha256, type Checksum } from '../integrity/checksum.js';
import { inspectArchive } from '../package/extract.js';
import { archiveTooLarge, packPackage, type PackResult } from '../package/pack.js';
import { assertTag } from '../package/name.js';
import { openRegistry, registriesFor } from '../registry/open.js';
import type { PublishOutcome } from '../registry/types.js';
import type { SignatureFact, SignatureVerifier, Signer, SignOptions } from '../plugin/contracts.js';
import { verifySignature } from '../facts/verify-signature.js';
import type { SignatureRecord } from '../registry/types.js';
import { archiveLimits } from './context.js';

export interface PublishRequest {
  /** A package directory (packed first, reproducibly) or a `.aam` file. */
  path: string;
  config: AamConfig;
  registry?: string;
  tag?: string;
  dryRun?: boolean;
  /** Where credentials are read from (`AAM_TOKEN`, `$AAM_HOME/credentials.yaml`); default: the process's. */
  env?: NodeJS.ProcessEnv;
  /** Sign the archive (SPEC §7): the signer, its options, and the verifiers that check the result. */
  signing?: { signer: Signer; options: SignOptions; verifiers: SignatureVerifier[] };
}

export interface PublishResult {
  name: string;
  version: string;
  checksum: Checksum;
  size: number;
  registry: string;
  archive: string;
  packed?: PackResult;
  outcome?: PublishOutcome;
  /** The signature made, as its verifier reads it back. */
  signature?: SignatureFact;
  dryRun: boolean;
}

/** Packs if needed, validates the archive with the install-time hostile-input rules, then publishes. */
export async function publishFlow(req: PublishRequest): Promise<PublishResult> {
  const tag = req.tag ?? 'latest';
  assertTag(tag);
  const limits = archiveLimits(req.config.limits);
  const path = resolve(req.path);
  const st = await stat(path).catch(() => {
    throw new AamError('USAGE', `${path} does not exist`);
  });
  let archive = path;
  let packed: PackResult | undefined;
  if (st.isDirectory()) {
    packed = await packPackage(path, { maxArchiveSize: limits.maxArchiveSize });
    archive = packed.file;
  } else if (!path.endsWith('.aam')) {
    throw new AamError('USAGE', `${path} is neither a package directory nor a .aam archive`);
  }
  const size = (await stat(archive)).size;
  if (size > limits.maxArchiveSize) {
    throw archiveTooLarge(size, limits.maxArchiveSize);
  }
  // One read: the bytes inspected are the bytes hashed and stored (nothing can swap the file in between).
  // Identity comes from the aam.yaml inside the archive, never from the file name.
  const bytes = await readFile(archive);
  const checksum = sha256(bytes);
  let manifest;
  try {
    ({ manifest } = await inspectArchive(bytes, limits));
  } catch (e) {
    // The user asked to publish this archive: a hostile or broken one is bad input (exit 2).
    throw e instanceof AamError ? e.asBadInput() : e;
  }
  // A package of a bound scope is published to its registry only (never leaked to another by --registry).
  const [regCfg] = registriesFor(req.config, manifest.name, req.registry);
  const registry = openRegistry(regCfg!, req.env);
  const base: PublishResult = {
    name: manifest.name,
    version: manifest.version,
    checksum,
    size,
    registry: registry.name,
    archive,
    dryRun: req.dryRun ?? false,
    ...(packed ? { packed } : {}),
  };
  if (req.dryRun) {
    const meta = await registry.metadata(manifest.name);
    if (meta?.versions.some((v) => v.version === manifest.version)) {
      throw new AamError(
        'VERSION_EXISTS',
        `${manifest.name}@${manifest.version} is already published in '${registry.name}'; published versions are immutable: bump the version`,
      );
    }
    return base;
  }
  let signatures: { record: SignatureRecord; bytes: Uint8Array }[] | undefined;
  let signature: SignatureFact | undefined;
  if (req.signing) {
    const artifact = { bytes, checksum, size, name: manifest.name, version: manifest.version };
    let doc;
    try {
      doc = await req.signing.signer.sign(artifact, req.signing.options);
    } catch (e) {
      // Nothing is published when signing fails (no token, a service down, a refused key).
      if (e instanceof AamError) throw e;
      throw new AamError('SIGNING_FAILED', e instanceof Error ? e.message : String(e));
    }
    // Read our own signature back before storing it: a signature that does not verify is never published.
    signature = await verifySignature(req.signing.verifiers, artifact, doc, { keys: [], offline: true });
    if (!signature.valid) {
      throw new AamError(
        'SIGNING_FAILED',
        `The new ${req.signing.signer.type} signature does not verify: ${signature.errors.join('; ')}`,
      );
    }
    const type = req.signing.signer.type;
    signatures = [
      {
        record: {
          type,
          file: `${manifest.version}.aam.${type}.json`,
          ...(signature.identity ? { identity: signature.identity } : {}),
          ...(signature.fingerprint ? { fingerprint: signature.fingerprint } : {}),
        },
        bytes: doc.bytes,
      },
    ];
  }
  const outcome = await registry.publish({
    ...(signatures ? { signatures } : {}),
    bytes,
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    checksum,
    size,
    tag,
    ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
  });
  return { ...base, outcome, ...(signature ? { signature } : {}) };
}
