import { pipeline } from 'node:stream/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { AamError } from '../errors.js';
import { assertLinkInside, foldKey, refuse, safeEntryPath, type ArchiveLimits } from './archive-rules.js';

export type ArchiveEntry =
  | { $case: 'file'; path: string; mode: number; size: number; stream: AsyncIterable<Buffer> }
  | { $case: 'directory'; path: string }
  | { $case: 'symlink'; path: string; target: string; linkname: string }
  | { $case: 'hardlink'; path: string; target: string };

/** What a walker does with each accepted entry: write it to disk, or just read the manifest. */
export type EntryVisitor = (entry: ArchiveEntry) => Promise<void>;

const MAX_HEADER_OVERHEAD = 1024 * 1024;

/** Counts decompressed bytes and stops the stream the moment a gzip bomb passes the cap. */
class InflateCap extends Transform {
  private total = 0;
  constructor(private readonly cap: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.total += chunk.length;
    if (this.total > this.cap) {
      cb(
        new AamError(
          'INVALID_ARCHIVE',
          `Archive unpacks to more than ${this.cap} bytes (limit); refusing it as a possible gzip bomb`,
          { limit: 'max_unpacked_size' },
        ),
      );
      return;
    }
    cb(null, chunk);
  }
}

/**
 * Reads a `.aam` (gzip'd tar) and enforces every hostile-input rule of SPEC §1 before the visitor sees an
 * entry: safe relative paths, no devices or FIFOs, links that stay inside, no duplicates, no case-fold
 * collisions, no path through a symlink, and caps on entries and unpacked bytes.
 */
export async function walkArchive(
  source: Buffer | Readable,
  limits: ArchiveLimits,
  visit: EntryVisitor,
): Promise<void> {
  const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
  const extract = tar.extract();
  const gunzip = createGunzip();
  const cap = new InflateCap(limits.maxUnpackedSize + MAX_HEADER_OVERHEAD);
  const done = pipeline(input, gunzip, cap, extract).catch((e: unknown) => {
    throw normalise(e);
  });
  // Consume entries concurrently with the pipeline; whichever fails first wins.
  const consume = (async () => {
    const exact = new Set<string>();
    const folded = new Map<string, string>();
    // Keyed by folded path: on a case-insensitive file system `X/f` goes through a link named `x`.
    const files = new Set<string>();
    const symlinks = new Map<string, string>();
    const deferredLinks: { path: string; target: string; linkname: string }[] = [];
    let entries = 0;
    let unpacked = 0;
    for await (const entry of extract) {
      const h = entry.header;
      entries++;
      if (entries > limits.maxEntries) refuse(`Archive has more than ${limits.maxEntries} entries (limit)`);
      const path = safeEntryPath(h.name);
      if (exact.has(path)) refuse(`Archive has a duplicate entry: ${path}`, { entry: path });
      const key = foldKey(path);
      const other = folded.get(key);
      if (other !== undefined)
        refuse(`Archive entries ${other} and ${path} collide on a case-insensitive file system`, {
          entry: path,
        });
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        if (symlinks.has(foldKey(prefix)))
          refuse(`Archive entry ${path} passes through the symlink ${prefix}`, { entry: path });
        if (files.has(foldKey(prefix)))
          refuse(`Archive entry ${path} is below the file ${prefix}`, { entry: path });
      }
      exact.add(path);
      folded.set(key, path);
      switch (h.type) {
        case 'file':
        case 'contiguous-file': {
          const size = h.size ?? 0;
          unpacked += size;
          if (unpacked > limits.maxUnpackedSize)
            refuse(`Archive unpacks to more than ${limits.maxUnpackedSize} bytes (limit)`, {
              limit: 'max_unpacked_size',
            });
          files.add(key);
          const mode = ((h.mode ?? 0o644) & 0o111) !== 0 ? 0o755 : 0o644;
          await visit({ $case: 'file', path, mode, size, stream: entry as AsyncIterable<Buffer> });
          entry.resume();
          break;
        }
        case 'directory':
          entry.resume();
          await visit({ $case: 'directory', path });
          break;
        case 'symlink': {
          const linkname = h.linkname ?? '';
          const target = assertLinkInside(path, linkname, 'symlink');
          symlinks.set(key, linkname);
          entry.resume();
          // Created only after every file: nothing is ever written through a link the archive made.
          deferredLinks.push({ path, target, linkname });
          break;
        }
        case 'link': {
          const target = assertLinkInside(path, safeEntryPath(h.linkname ?? ''), 'hardlink');
          if (!files.has(foldKey(target)))
            refuse(
              `Archive hardlink ${path} does not point to an earlier regular file: ${h.linkname ?? ''}`,
              { entry: path },
            );
          files.add(key);
          entry.resume();
          await visit({ $case: 'hardlink', path, target });
          break;
        }
        default:
          refuse(
            `Archive entry ${path} is a ${h.type ?? 'unknown type'}; only files, directories and links are allowed`,
            {
              entry: path,
            },
          );
      }
    }
    // Each link was checked on its own; now follow them together, as the OS would, so that a chain of
    // individually harmless links (`d/e/l -> ..`, `x -> d/e/l/../..`) cannot reach outside either.
    for (const link of deferredLinks) {
      if (followLinks(link.path.split('/'), symlinks, 0) === undefined) {
        refuse(`Archive symlink ${link.path} points outside the package through other links`, {
          entry: link.path,
        });
      }
    }
    for (const link of deferredLinks) await visit({ $case: 'symlink', ...link });
  })();
  const [walked, piped] = await Promise.allSettled([consume, done]);
  // A refusal from the walker is the most specific reason; else the stream's own failure.
  if (walked.status === 'rejected' && walked.reason instanceof AamError) throw walked.reason;
  // The visitor's own I/O failure (disk full, permissions) is not a corrupt archive: say what it was.
  const io = walked.status === 'rejected' ? (walked.reason as NodeJS.ErrnoException) : undefined;
  if (io?.code && io.syscall) throw new AamError('IO_ERROR', `Extracting failed: ${io.message}`);
  if (piped.status === 'rejected') throw normalise(piped.reason);
  if (walked.status === 'rejected') throw normalise(walked.reason);
}

const MAX_LINK_DEPTH = 40;

/** Resolves path segments inside the package, following the archive's symlinks; undefined if it escapes or loops. */
function followLinks(segments: string[], links: Map<string, string>, depth: number): string[] | undefined {
  let stack: string[] = [];
  for (const seg of segments) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (stack.length === 0) return undefined;
      stack.pop();
      continue;
    }
    stack.push(seg);
    const link = links.get(foldKey(stack.join('/')));
    if (link !== undefined) {
      if (depth >= MAX_LINK_DEPTH) return undefined;
      const resolved = followLinks([...stack.slice(0, -1), ...link.split('/')], links, depth + 1);
      if (resolved === undefined) return undefined;
      stack = resolved;
    }
  }
  return stack;
}

function normalise(e: unknown): AamError {
  if (e instanceof AamError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (/unexpected end|end of file|Z_BUF_ERROR|premature/i.test(msg)) {
    return new AamError('INVALID_ARCHIVE', `Archive is truncated or corrupt: ${msg}`);
  }
  return new AamError('INVALID_ARCHIVE', `Archive is not a valid gzip'd tar: ${msg}`);
}
