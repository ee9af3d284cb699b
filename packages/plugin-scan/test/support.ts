import type { ScanTarget } from '@aam/core/plugin';

/** A package to scan: files by path (bytes or text; `{bytes, mode}` for a mode other than 0644), links by path. */
export function scanTarget(
  files: Record<string, string | Uint8Array | { bytes: string | Uint8Array; mode: number }>,
  opts: { links?: string[]; manifest?: Record<string, unknown> } = {},
): ScanTarget {
  const list = Object.entries(files).map(([path, f]) => {
    const { bytes, mode } = typeof f === 'string' || f instanceof Uint8Array ? { bytes: f, mode: 0o644 } : f;
    return { path, mode, bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes };
  });
  return {
    name: 'p',
    version: '1.0.0',
    manifest: opts.manifest ?? { artifacts: { skills: [] } },
    files: list,
    paths: [...list.map((f) => f.path), ...(opts.links ?? [])],
  };
}

export const signal = (): AbortSignal => new AbortController().signal;
