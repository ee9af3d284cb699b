import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrustMaterial } from '@sigstore/verify';
import { sigstoreLibs } from './lazy.js';

/** The public-good trusted root vendored with aam (refresh with `aam sigstore update-root`). */
export const VENDORED_ROOT = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'trusted-root',
  'public-good.json',
);

/** Where `aam sigstore update-root` keeps the root it fetched through TUF. */
export const cachedRootPath = (home: string): string => join(home, 'cache', 'sigstore', 'trusted_root.json');

export type RootSource = 'configured' | 'tuf-cache' | 'vendored';

export interface RootChoice {
  path: string;
  source: RootSource;
}

/** `security.sigstore.trusted_root` when set; else the TUF-refreshed copy when present; else the vendored one. */
export function chooseTrustedRoot(configured: string | undefined, home: string): RootChoice {
  if (configured) return { path: configured, source: 'configured' };
  const cached = cachedRootPath(home);
  try {
    if (statSync(cached).isFile()) return { path: cached, source: 'tuf-cache' };
  } catch {
    // no refreshed copy
  }
  return { path: VENDORED_ROOT, source: 'vendored' };
}

export class TrustedRootError extends Error {}

const AUTHORITY_LISTS = ['tlogs', 'ctlogs', 'certificateAuthorities', 'timestampAuthorities'] as const;

/**
 * Parses and checks a trusted_root.json. Fails closed: an authority without a validity start (which the
 * library would treat as valid forever back) or an unknown media type is refused, never guessed.
 */
export function checkTrustedRootJson(json: unknown, where: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new TrustedRootError(`${where}: not a trusted_root.json object`);
  const root = json as Record<string, unknown>;
  const mediaType = root.mediaType;
  if (
    typeof mediaType !== 'string' ||
    !/^application\/vnd\.dev\.sigstore\.trustedroot(\.v0\.\d+)?\+json(;version=0\.\d+)?$/.test(mediaType)
  )
    throw new TrustedRootError(`${where}: unknown trusted root media type ${JSON.stringify(mediaType)}`);
  for (const list of AUTHORITY_LISTS) {
    const items = root[list];
    if (items === undefined) continue;
    if (!Array.isArray(items)) throw new TrustedRootError(`${where}: ${list} is not a list`);
    items.forEach((item: unknown, i) => {
      const it = item as Record<string, Record<string, Record<string, unknown>>> | null;
      const validFor = list === 'tlogs' || list === 'ctlogs' ? it?.publicKey?.validFor : it?.validFor;
      const start = validFor?.start;
      if (typeof start !== 'string' || Number.isNaN(Date.parse(start)))
        throw new TrustedRootError(`${where}: ${list}[${i}] has no validity start (validFor.start)`);
    });
  }
  if (!Array.isArray(root.tlogs) || root.tlogs.length === 0)
    throw new TrustedRootError(`${where}: lists no transparency log`);
  return root;
}

export interface LoadedRoot {
  choice: RootChoice;
  material: TrustMaterial;
  /** sha256 of the root file's bytes. */
  digest: string;
}

const cache = new Map<string, { digest: string; root: LoadedRoot }>();

/**
 * The trust material for a root file, built once per process (building it costs ~10 ms) and rebuilt only
 * when the file's contents change. The file is read and hashed on every call (a root is a few KB: about
 * 20 µs), so a replaced file is noticed whatever its size and mtime say.
 */
export async function loadTrustedRoot(choice: RootChoice): Promise<LoadedRoot> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(choice.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TrustedRootError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `trusted root ${choice.path} does not exist`
        : `trusted root ${choice.path} cannot be read: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  const hit = cache.get(choice.path);
  if (hit && hit.digest === digest) return hit.root;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new TrustedRootError(
      `trusted root ${choice.path} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const checked = checkTrustedRootJson(json, choice.path);
  const { protobuf, verify } = await sigstoreLibs();
  let material: TrustMaterial;
  try {
    material = verify.toTrustMaterial(protobuf.TrustedRoot.fromJSON(checked));
  } catch (e) {
    throw new TrustedRootError(
      `trusted root ${choice.path} is unusable: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const root = { choice, material, digest };
  cache.set(choice.path, { digest, root });
  return root;
}
