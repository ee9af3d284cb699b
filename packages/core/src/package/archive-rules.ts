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

/**
 * Longest name of one path segment, and longest package-relative path, in bytes (UTF-8). Linux refuses a name
 * over NAME_MAX (255) and a path over PATH_MAX (4096); the relative path is kept to a quarter of that so the
 * project directory and `.aam/packages/@scope/name/` (or the staging directory) fit in front of it.
 */
export const MAX_SEGMENT_BYTES = 255;
export const MAX_ENTRY_PATH_BYTES = 1024;

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
  const path = segments.join('/');
  assertExtractablePath(path, 'Archive entry');
  return path;
}

/** Refuses a path no supported client could create (a segment or the whole path too long for Linux). */
export function assertExtractablePath(path: string, what: string): void {
  const long = path.split('/').find((s) => Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES);
  if (long !== undefined)
    refuse(
      `${what} has a name of ${Buffer.byteLength(long, 'utf8')} bytes (at most ${MAX_SEGMENT_BYTES}): ${path.slice(0, 120)}...`,
      { entry: path.slice(0, 1024) },
    );
  if (Buffer.byteLength(path, 'utf8') > MAX_ENTRY_PATH_BYTES)
    refuse(
      `${what} has a path of ${Buffer.byteLength(path, 'utf8')} bytes (at most ${MAX_ENTRY_PATH_BYTES}): ${path.slice(0, 120)}...`,
      { entry: path.slice(0, 1024) },
    );
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
  if (Buffer.byteLength(linkname, 'utf8') > MAX_ENTRY_PATH_BYTES)
    refuse(`Archive ${kind} ${entry} has a target of more than ${MAX_ENTRY_PATH_BYTES} bytes`, { entry });
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
