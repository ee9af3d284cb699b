import { createHash } from 'node:crypto';
import { copyFile, mkdir, open, rm, symlink } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { AamError } from '../errors.js';
import type { ArchiveLimits } from './archive-rules.js';
import { MANIFEST_FILE, parseManifestText, type Manifest } from './manifest.js';
import { walkArchive } from './walk-archive.js';
import { dict } from '../dict.js';
import type { ScanFile } from '../plugin/contracts.js';

export interface ExtractResult {
  manifest: Manifest;
  /** Relative POSIX path -> SHA-256 hex of each regular file written. */
  fileChecksums: Record<string, string>;
}

async function readAll(stream: AsyncIterable<Buffer>, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += c.length;
    if (n > cap)
      throw new AamError('INVALID_ARCHIVE', `${MANIFEST_FILE} in the archive is larger than ${cap} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * Extracts a verified archive into `dir`, which must not exist yet (a fresh temp directory on the same
 * file system as the final place). On any refusal the directory is removed: nothing half-written stays.
 */
export async function extractArchive(
  source: Buffer | Readable,
  dir: string,
  limits: ArchiveLimits,
): Promise<ExtractResult> {
  const root = resolve(dir);
  await mkdir(root, { recursive: false });
  const fileChecksums = dict<string>();
  let manifestText: string | undefined;
  const inside = (p: string): string => {
    const abs = resolve(root, p);
    if (abs !== root && !abs.startsWith(root + sep))
      throw new AamError('INVALID_ARCHIVE', `Archive entry escapes the target: ${p}`);
    return abs;
  };
  try {
    await walkArchive(source, limits, async (entry) => {
      const abs = inside(entry.path);
      switch (entry.$case) {
        case 'directory':
          await mkdir(abs, { recursive: true, mode: 0o755 });
          return;
        case 'file': {
          await mkdir(dirname(abs), { recursive: true, mode: 0o755 });
          // 'wx' = O_CREAT|O_EXCL: never follows or overwrites anything already there.
          const fh = await open(abs, 'wx', entry.mode);
          const hash = createHash('sha256');
          const isManifest = entry.path === MANIFEST_FILE;
          const kept: Buffer[] = [];
          let keptBytes = 0;
          try {
            for await (const chunk of entry.stream) {
              hash.update(chunk);
              if (isManifest) {
                keptBytes += chunk.length;
                if (keptBytes > MAX_MANIFEST_BYTES) {
                  throw new AamError(
                    'INVALID_ARCHIVE',
                    `${MANIFEST_FILE} in the archive is larger than ${MAX_MANIFEST_BYTES} bytes`,
                  );
                }
                kept.push(chunk);
              }
              await fh.write(chunk);
            }
          } finally {
            await fh.close();
          }
          fileChecksums[entry.path] = hash.digest('hex');
          if (isManifest) manifestText = Buffer.concat(kept).toString('utf8');
          return;
        }
        case 'symlink':
          await mkdir(dirname(abs), { recursive: true, mode: 0o755 });
          await symlink(entry.linkname, abs);
          // Recorded so `aam verify` checks links too (a link is "link:<target>", a file its SHA-256).
          fileChecksums[entry.path] = `link:${entry.linkname}`;
          return;
        case 'hardlink': {
          await mkdir(dirname(abs), { recursive: true, mode: 0o755 });
          // A copy, not a link: the installed tree never shares inodes with anything.
          await copyFile(inside(entry.target), abs);
          fileChecksums[entry.path] = fileChecksums[entry.target] ?? '';
          return;
        }
      }
    });
    const manifest = manifestFromArchive(manifestText, Object.keys(fileChecksums));
    return { manifest, fileChecksums };
  } catch (e) {
    await rm(root, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Validates every entry of an archive and returns its manifest and the bytes of each regular file, in memory
 * (what the registry's scanners read: nothing is extracted to disk). The unpacked total is capped by
 * `limits.maxUnpackedSize` as for any unpack.
 */
export async function readArchive(
  source: Buffer,
  limits: ArchiveLimits,
): Promise<{ manifest: Manifest; files: string[]; contents: ScanFile[] }> {
  return walkEntries(source, limits, true);
}

/** Validates every entry of an archive and returns its manifest, writing nothing to disk. */
export async function inspectArchive(
  source: Buffer | Readable,
  limits: ArchiveLimits,
): Promise<{ manifest: Manifest; files: string[] }> {
  const { manifest, files } = await walkEntries(source, limits, false);
  return { manifest, files };
}

/** Every entry's path (files and links) and the manifest; with `keep`, each regular file's bytes too. */
async function walkEntries(
  source: Buffer | Readable,
  limits: ArchiveLimits,
  keep: boolean,
): Promise<{ manifest: Manifest; files: string[]; contents: ScanFile[] }> {
  let manifestText: string | undefined;
  const files: string[] = [];
  const contents: ScanFile[] = [];
  await walkArchive(source, limits, async (entry) => {
    if (entry.$case === 'file' || entry.$case === 'hardlink' || entry.$case === 'symlink')
      files.push(entry.path);
    if (entry.$case !== 'file') return;
    const isManifest = entry.path === MANIFEST_FILE;
    if (!isManifest && !keep) return;
    const bytes = await readAll(entry.stream, isManifest ? MAX_MANIFEST_BYTES : Infinity);
    if (isManifest) manifestText = bytes.toString('utf8');
    if (keep) contents.push({ path: entry.path, mode: entry.mode, bytes });
  });
  return { manifest: manifestFromArchive(manifestText, files), files, contents };
}

/** The archive's own `aam.yaml`, validated, with every artifact path present among the entries. */
function manifestFromArchive(text: string | undefined, files: string[]): Manifest {
  if (text === undefined)
    throw new AamError('INVALID_ARCHIVE', `Archive has no ${MANIFEST_FILE} at its root`);
  const manifest = parseManifestText(text, `${MANIFEST_FILE} (in archive)`);
  for (const list of Object.values(manifest.artifacts)) {
    for (const a of list ?? []) {
      const p = a.path
        .split('/')
        .filter((s) => s !== '' && s !== '.')
        .join('/');
      if (!files.some((f) => f === p || f.startsWith(p + '/'))) {
        throw new AamError(
          'INVALID_ARCHIVE',
          `Artifact '${a.name}' points to '${a.path}', which is not in the archive`,
        );
      }
    }
  }
  return manifest;
}
