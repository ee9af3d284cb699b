import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AamConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import { sha256, type Checksum } from '../integrity/checksum.js';
import { inspectArchive } from '../package/extract.js';
import { formatSize, packPackage, type PackResult } from '../package/pack.js';
import { assertTag } from '../package/name.js';
import { openRegistry, registriesToSearch } from '../registry/open.js';
import type { PublishOutcome } from '../registry/types.js';
import { archiveLimits } from './context.js';

export interface PublishRequest {
  /** A package directory (packed first, reproducibly) or a `.aam` file. */
  path: string;
  config: AamConfig;
  registry?: string;
  tag?: string;
  dryRun?: boolean;
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
    throw new AamError(
      'ARCHIVE_TOO_LARGE',
      `Archive size exceeds ${formatSize(limits.maxArchiveSize).replace('.0 ', ' ')} limit (actual: ${formatSize(size)})`,
    );
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
  const [regCfg] = registriesToSearch(req.config.registries, req.registry);
  const registry = openRegistry(regCfg!);
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
  const outcome = await registry.publish({
    bytes,
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    checksum,
    size,
    tag,
    ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
  });
  return { ...base, outcome };
}
