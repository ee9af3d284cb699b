import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lockDirectory } from '../directory-lock.js';
import { writeYamlAtomic } from '../atomic-file.js';
import { AamError } from '../errors.js';
import { checksumsEqual, sha256 } from '../integrity/checksum.js';
import { assertPackageName, assertVersion, packageDirName } from '../package/name.js';
import { readYamlFile } from '../yaml-file.js';
import { readPackageMetadata } from './metadata.js';
import type {
  PackageMetadata,
  PublishOutcome,
  RegistryPublishRequest,
  Registry,
  SearchHit,
  SignatureRecord,
} from './types.js';
import { dict } from '../dict.js';

export interface LocalRegistryInfo {
  name: string;
  type: 'local';
  api_version: 1;
  created_at: string;
}

const SIGNATURE_FILE_RE = /^[0-9A-Za-z.+_-]+\.aam\.[a-z0-9-]+\.json$/;

/** Creates the directory layout of SPEC §1. Refuses a directory that already holds a registry. */
export async function initLocalRegistry(
  path: string,
  name?: string,
): Promise<{ root: string; info: LocalRegistryInfo }> {
  const root = resolve(path);
  if (existsSync(join(root, 'registry.yaml'))) {
    throw new AamError('REGISTRY_EXISTS', `${root} already holds a registry (registry.yaml exists)`);
  }
  const info: LocalRegistryInfo = {
    name: name ?? basename(root),
    type: 'local',
    api_version: 1,
    created_at: new Date().toISOString(),
  };
  try {
    await mkdir(join(root, 'packages'), { recursive: true });
    await writeYamlAtomic(join(root, 'index.yaml'), { packages: [] });
    await writeYamlAtomic(join(root, 'registry.yaml'), info);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AamError(
      'IO_ERROR',
      `Cannot write to ${root}: ${code === 'EACCES' ? 'Permission denied' : (code ?? String(e))}.`,
    );
  }
  return { root, info };
}

/** `file:///abs/path` -> `/abs/path`; refuses other schemes. */
export function localRegistryPath(url: string): string {
  if (!url.startsWith('file://'))
    throw new AamError('USAGE', `Not a local registry URL: ${url} (expected file://PATH)`);
  try {
    return fileURLToPath(url);
  } catch {
    throw new AamError('USAGE', `Invalid file URL: ${url} (expected file:///absolute/path)`);
  }
}

export function localRegistryUrl(path: string): string {
  return pathToFileURL(resolve(path)).href;
}

/** A registry that is a directory: `file://PATH`. */
export class LocalRegistry implements Registry {
  readonly kind = 'local' as const;
  readonly url: string;
  constructor(
    readonly name: string,
    readonly root: string,
  ) {
    this.url = localRegistryUrl(root);
  }

  static open(name: string, url: string): LocalRegistry {
    const root = localRegistryPath(url);
    if (!existsSync(join(root, 'registry.yaml'))) {
      throw new AamError(
        'NOT_FOUND',
        `Registry '${name}' at ${root} is not a registry (no registry.yaml): run 'aam registry init ${root}'`,
      );
    }
    const info = readYamlFile(join(root, 'registry.yaml'), 'INVALID_REGISTRY')
      .value as Partial<LocalRegistryInfo> | null;
    if (info?.api_version !== 1) {
      throw new AamError(
        'INVALID_REGISTRY',
        `${join(root, 'registry.yaml')}: unsupported api_version ${String(info?.api_version)} (expected 1)`,
      );
    }
    return new LocalRegistry(name, root);
  }

  private packageDir(name: string): string {
    return join(this.root, 'packages', packageDirName(name));
  }

  private archivePath(name: string, version: string): string {
    assertVersion(version);
    return join(this.packageDir(name), 'versions', `${version}.aam`);
  }

  /**
   * The package's metadata, or undefined when the registry does not have it — also when its `scope--name`
   * directory belongs to another name that spells the same (that name's package is not this one).
   */
  async metadata(name: string): Promise<PackageMetadata | undefined> {
    assertPackageName(name);
    const file = join(this.packageDir(name), 'metadata.yaml');
    if (!existsSync(file)) return undefined;
    try {
      return readPackageMetadata(file, name);
    } catch (e) {
      if (e instanceof AamError && e.code === 'NAME_COLLISION') return undefined;
      throw e;
    }
  }

  async openArchive(name: string, version: string): Promise<Readable> {
    const file = this.archivePath(name, version);
    if (!existsSync(file))
      throw new AamError(
        'NOT_FOUND',
        `${name}@${version}: archive missing from registry '${this.name}' (${file})`,
      );
    return createReadStream(file, { highWaterMark: 1 << 20 });
  }

  async readSignature(name: string, version: string, record: SignatureRecord): Promise<Uint8Array> {
    assertVersion(version);
    if (!SIGNATURE_FILE_RE.test(record.file)) {
      throw new AamError(
        'INVALID_REGISTRY',
        `Signature file name '${record.file}' of ${name}@${version} is not a plain file name`,
      );
    }
    return readFile(join(this.packageDir(name), 'versions', record.file));
  }

  /** Serialises publishers with a lock file; every write is temp + rename, so readers never see half. */
  async publish(req: RegistryPublishRequest): Promise<PublishOutcome> {
    assertPackageName(req.name);
    assertVersion(req.version);
    const release = await this.lock();
    try {
      // Never into a directory another name owns (`@a/b--c`, `@a--b/c` and `a--b--c` all spell `a--b--c`).
      const file = join(this.packageDir(req.name), 'metadata.yaml');
      const current = existsSync(file) ? readPackageMetadata(file, req.name) : undefined;
      const existing = current?.versions.find((v) => v.version === req.version);
      if (existing) {
        const same = checksumsEqual(existing.checksum, req.checksum)
          ? ' (with identical content)'
          : ' with different content';
        throw new AamError(
          'VERSION_EXISTS',
          `${req.name}@${req.version} is already published in '${this.name}'${same}; published versions are immutable: bump the version`,
          { package: req.name, version: req.version },
        );
      }
      const versionsDir = join(this.packageDir(req.name), 'versions');
      await mkdir(versionsDir, { recursive: true });
      const target = this.archivePath(req.name, req.version);
      const tmp = `${target}.${process.pid}.partial`;
      // Until metadata.yaml names the version, its files are garbage: remove them if anything fails.
      const written: string[] = [tmp];
      const signatures: SignatureRecord[] = [];
      try {
        const copied = sha256(req.bytes);
        if (!checksumsEqual(copied, req.checksum)) {
          throw new AamError(
            'CHECKSUM_MISMATCH',
            `Archive bytes do not match their checksum (expected ${req.checksum}, got ${copied})`,
          );
        }
        await writeFile(tmp, req.bytes, { mode: 0o644 });
        for (const s of req.signatures ?? []) {
          const file = join(versionsDir, s.record.file);
          written.push(file);
          await writeFile(file, s.bytes, { mode: 0o644 });
          signatures.push(s.record);
        }
        await rename(tmp, target);
        written.push(target);
      } catch (e) {
        for (const f of written) await rm(f, { force: true });
        throw e;
      }
      const meta: PackageMetadata = current ?? {
        name: req.name,
        description: req.description,
        dist_tags: dict(),
        versions: [],
      };
      meta.description = req.description;
      meta.versions.push({
        version: req.version,
        published: new Date().toISOString(),
        checksum: req.checksum,
        size: req.size,
        yanked: false,
        signatures,
        ...(req.dependencies && Object.keys(req.dependencies).length
          ? { dependencies: req.dependencies }
          : {}),
      });
      const tags = [req.tag];
      meta.dist_tags[req.tag] = req.version;
      if (meta.dist_tags.latest === undefined) {
        meta.dist_tags.latest = req.version;
        if (req.tag !== 'latest') tags.push('latest');
      }
      await writeYamlAtomic(join(this.packageDir(req.name), 'metadata.yaml'), meta);
      await this.rebuildIndex();
      return { name: req.name, version: req.version, checksum: req.checksum, tags, location: target };
    } finally {
      await release();
    }
  }

  private lock(): Promise<() => Promise<void>> {
    return lockDirectory(
      this.root,
      '.publish.lock',
      `Registry '${this.name}' is locked by another publisher`,
      30_000,
    );
  }

  /** Searches `index.yaml` (name or description contains the query, case-insensitive). */
  async search(query: string, limit: number): Promise<SearchHit[]> {
    const file = join(this.root, 'index.yaml');
    if (!existsSync(file)) return [];
    const doc = readYamlFile(file, 'INVALID_REGISTRY').value as {
      packages?: { name?: unknown; description?: unknown; latest?: unknown }[];
    } | null;
    const q = query.toLowerCase();
    const hits: SearchHit[] = [];
    for (const p of doc?.packages ?? []) {
      if (typeof p?.name !== 'string') continue;
      const description = typeof p.description === 'string' ? p.description : '';
      if (!p.name.toLowerCase().includes(q) && !description.toLowerCase().includes(q)) continue;
      hits.push({ name: p.name, description, ...(typeof p.latest === 'string' ? { latest: p.latest } : {}) });
      if (hits.length >= limit) break;
    }
    return hits;
  }

  /** `index.yaml`: one line per package, regenerated from every metadata.yaml. */
  private async rebuildIndex(): Promise<void> {
    const dirs = (await readdir(join(this.root, 'packages'), { withFileTypes: true })).filter((d) =>
      d.isDirectory(),
    );
    const packages = [];
    for (const d of dirs.map((x) => x.name).sort()) {
      const file = join(this.root, 'packages', d, 'metadata.yaml');
      if (!existsSync(file)) continue;
      // The index is derived data: one unreadable metadata.yaml must not fail a publish already committed.
      let raw: PackageMetadata;
      try {
        raw = readYamlFile(file, 'INVALID_REGISTRY').value as PackageMetadata;
      } catch {
        continue;
      }
      packages.push({
        name: raw?.name,
        description: raw?.description,
        latest: raw?.dist_tags?.latest ?? null,
      });
    }
    await writeYamlAtomic(join(this.root, 'index.yaml'), { packages, updated_at: new Date().toISOString() });
  }
}
