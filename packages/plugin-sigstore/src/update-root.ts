import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cachedRootPath, checkTrustedRootJson } from './trusted-root.js';
import { commonJs } from './lazy.js';

export interface UpdateRootOptions {
  home: string;
  /** TUF mirror (default: Sigstore's public-good CDN). */
  mirrorURL?: string;
  /** The initial (trusted) TUF root.json for a mirror other than the public one. */
  tufRoot?: string;
  timeoutMs?: number;
}

export interface UpdateRootResult {
  path: string;
  mirror: string;
  tlogs: number;
  certificateAuthorities: number;
  timestampAuthorities: number;
}

/**
 * Fetches the current trusted_root.json through TUF (signed, versioned, expiring metadata: a stale or forged
 * root is refused by the TUF client) and keeps it in aam's cache, where verification prefers it over the
 * vendored snapshot. Written atomically: a failed refresh leaves the previous copy in place.
 */
export async function updateTrustedRoot(opts: UpdateRootOptions): Promise<UpdateRootResult> {
  const [tuf, protobuf] = await Promise.all([
    import('@sigstore/tuf').then(commonJs),
    import('@sigstore/protobuf-specs').then(commonJs),
  ]);
  const mirror = opts.mirrorURL ?? tuf.DEFAULT_MIRROR_URL;
  if (opts.mirrorURL && opts.mirrorURL !== tuf.DEFAULT_MIRROR_URL && !opts.tufRoot)
    throw new Error(
      `a TUF mirror other than ${tuf.DEFAULT_MIRROR_URL} needs its initial root.json (--tuf-root)`,
    );
  const root = await tuf.getTrustedRoot({
    mirrorURL: mirror,
    cachePath: join(opts.home, 'cache', 'sigstore', 'tuf'),
    ...(opts.tufRoot ? { rootPath: opts.tufRoot } : {}),
    timeout: opts.timeoutMs ?? 20_000,
    retry: { retries: 1 },
  });
  const json = protobuf.TrustedRoot.toJSON(root) as Record<string, unknown>;
  checkTrustedRootJson(json, `trusted_root.json from ${mirror}`);
  const path = cachedRootPath(opts.home);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(json, null, 2) + '\n');
  await rename(tmp, path);
  const count = (k: string) => (Array.isArray(json[k]) ? (json[k] as unknown[]).length : 0);
  return {
    path,
    mirror,
    tlogs: count('tlogs'),
    certificateAuthorities: count('certificateAuthorities'),
    timestampAuthorities: count('timestampAuthorities'),
  };
}
