import { posix } from 'node:path';
import { AamError } from '../errors.js';

/** Limits applied to every archive read, whether installing or validating on a server. */
export interface ArchiveLimits {
  /** Largest compressed archive, in bytes. */
  maxArchiveSize: number;
  /** Largest total of unpacked file bytes. */
  maxUnpackedSize: number;
  /** Most entries (files, directories, links). */
  maxEntries: number;
}

export function refuse(message: string, details: Record<string, unknown> = {}): never {
  throw new AamError('INVALID_ARCHIVE', message, details);
}

/**
 * Normalises a tar entry name to a relative POSIX path, refusing (never stripping) anything that could
 * land outside the target: absolute paths, drive letters, backslashes, `..` segments, NUL bytes.
 */
export function safeEntryPath(raw: string): string {
  if (raw.includes('\0')) refuse(`Archive entry name contains a NUL byte: ${JSON.stringify(raw)}`);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw))
    refuse(`Archive entry has an absolute path: ${raw}`, { entry: raw });
  if (raw.includes('\\')) refuse(`Archive entry uses a backslash separator: ${raw}`, { entry: raw });
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..'))
    refuse(`Archive entry escapes the target with '..': ${raw}`, { entry: raw });
  if (segments.length === 0) refuse(`Archive entry has an empty name: ${JSON.stringify(raw)}`);
  return segments.join('/');
}

/** A symlink is allowed only when its target, resolved from the link's directory, stays inside. */
export function assertLinkInside(entry: string, linkname: string, kind: 'symlink' | 'hardlink'): string {
  if (
    linkname.startsWith('/') ||
    /^[A-Za-z]:/.test(linkname) ||
    linkname.includes('\\') ||
    linkname.includes('\0')
  ) {
    refuse(`Archive ${kind} ${entry} points outside the package: ${linkname}`, { entry, linkname });
  }
  const base = kind === 'symlink' ? posix.dirname(entry) : '.';
  const target = posix.normalize(posix.join(base, linkname));
  if (target === '..' || target.startsWith('../') || target === '.' || target === '') {
    refuse(`Archive ${kind} ${entry} points outside the package: ${linkname}`, { entry, linkname });
  }
  return target;
}

/** Case-insensitive, Unicode-normalised key: two entries with the same key collide on macOS/Windows. */
export function foldKey(path: string): string {
  return path.normalize('NFC').toLowerCase();
}
