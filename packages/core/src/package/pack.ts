import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { lstat, readdir, readlink, rename, rm, stat } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import ignore from 'ignore';
import tar from 'tar-stream';
import { AamError } from '../errors.js';
import type { Checksum } from '../integrity/checksum.js';
import { Sha256Tap } from '../integrity/sha256-tap.js';
import { archiveFileName } from './name.js';
import { loadManifest, type Manifest } from './manifest.js';

/** Always left out of an archive (SPEC §1), whatever `.aamignore` says. */
export const ALWAYS_EXCLUDED = [
  '.git/',
  '.aam/',
  'node_modules/',
  '__pycache__/',
  '.DS_Store',
  '*.tmp',
  '*.temp',
  '*.aam',
];

export type PackEntry =
  | { $case: 'file'; path: string; abs: string; size: number; mode: 0o644 | 0o755 }
  | { $case: 'symlink'; path: string; linkname: string };

/** Lists the files that go into the archive, sorted by path, with `/` separators. */
export async function collectPackEntries(root: string): Promise<PackEntry[]> {
  // Two matchers: a `!pattern` in .aamignore may re-include its own exclusions, never the fixed ones.
  const always = ignore().add(ALWAYS_EXCLUDED);
  const user = ignore();
  const ignoreFile = join(root, '.aamignore');
  if (existsSync(ignoreFile)) user.add(readFileSync(ignoreFile, 'utf8'));
  const ig = { ignores: (p: string): boolean => always.ignores(p) || user.ignores(p) };
  const out: PackEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(root, path);
      const st = await lstat(abs);
      if (st.isDirectory()) {
        if (!ig.ignores(path + '/')) await walk(path);
        continue;
      }
      if (ig.ignores(path)) continue;
      if (st.isSymbolicLink()) {
        const linkname = await readlink(abs);
        const target = posix.normalize(posix.join(posix.dirname(path), linkname));
        if (linkname.startsWith('/') || target === '..' || target.startsWith('../')) {
          throw new AamError(
            'INVALID_ARCHIVE',
            `Cannot pack ${path}: it is a symlink pointing outside the package (${linkname})`,
          );
        }
        out.push({ $case: 'symlink', path, linkname });
      } else if (st.isFile()) {
        out.push({ $case: 'file', path, abs, size: st.size, mode: (st.mode & 0o111) !== 0 ? 0o755 : 0o644 });
      } else {
        throw new AamError(
          'INVALID_ARCHIVE',
          `Cannot pack ${path}: only regular files and symlinks can be packed`,
        );
      }
    }
  };
  await walk('');
  // Code-point order, independent of locale and of the order the file system returns.
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface PackResult {
  file: string;
  size: number;
  checksum: Checksum;
  manifest: Manifest;
  entries: number;
}

export interface PackOptions {
  /** Directory for the archive; default: the package directory. */
  outDir?: string;
  maxArchiveSize: number;
  /** Seconds since the epoch for every entry; default `SOURCE_DATE_EPOCH` or 0. */
  mtime?: number;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** SPEC §1's size error: `Archive size exceeds 50 MB limit (actual: 65.3 MB)`. */
export function archiveTooLarge(size: number, limit: number): AamError {
  return new AamError(
    'ARCHIVE_TOO_LARGE',
    `Archive size exceeds ${formatSize(limit).replace('.0 ', ' ')} limit (actual: ${formatSize(size)})`,
    { size, limit },
  );
}

function sourceDateEpoch(): number {
  const v = process.env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return 0;
  if (!/^\d+$/.test(v))
    throw new AamError('USAGE', `SOURCE_DATE_EPOCH must be a whole number of seconds, got '${v}'`);
  return Number(v);
}

/**
 * Packs a package directory reproducibly (SPEC §1): sorted entries, uid/gid 0, empty owner names,
 * mode 0644/0755, one mtime, gzip header mtime 0. The same tree always gives the same bytes.
 */
export async function packPackage(dir: string, opts: PackOptions): Promise<PackResult> {
  const root = resolve(dir);
  const manifest = loadManifest(root);
  const entries = await collectPackEntries(root);
  const mtime = new Date((opts.mtime ?? sourceDateEpoch()) * 1000);
  const outDir = resolve(opts.outDir ?? root);
  const file = join(outDir, archiveFileName(manifest.name, manifest.version));
  const tmp = `${file}.${process.pid}.${Date.now()}.partial`;
  const pack = tar.pack();
  const tap = new Sha256Tap();
  const common = { uid: 0, gid: 0, uname: '', gname: '', mtime };
  const feed = (async () => {
    for (const e of entries) {
      if (e.$case === 'symlink') {
        pack.entry({ ...common, name: e.path, type: 'symlink', linkname: e.linkname, mode: 0o777 });
        continue;
      }
      const size = (await stat(e.abs)).size;
      const sink = pack.entry({ ...common, name: e.path, type: 'file', size, mode: e.mode });
      await pipeline(createReadStream(e.abs), sink);
    }
    pack.finalize();
  })();
  try {
    await Promise.all([feed, pipeline(pack, createGzip({ level: 9 }), tap, createWriteStream(tmp))]);
    if (tap.size > opts.maxArchiveSize) {
      throw archiveTooLarge(tap.size, opts.maxArchiveSize);
    }
    await rename(tmp, file);
  } catch (e) {
    pack.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
  return { file, size: tap.size, checksum: tap.checksum(), manifest, entries: entries.length };
}
