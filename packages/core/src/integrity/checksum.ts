import { createHash, hash as oneShotHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { AamError } from '../errors.js';

/** A SHA-256 checksum in AAM's canonical form: `sha256:<64 lowercase hex>`. */
export type Checksum = `sha256:${string}`;

const CHECKSUM_RE = /^sha256:[0-9a-fA-F]{64}$/;

/** Parses and normalises (lowercases) a checksum string; INVALID_CHECKSUM for anything else. */
export function parseChecksum(value: unknown, where = 'checksum'): Checksum {
  if (typeof value !== 'string' || !CHECKSUM_RE.test(value)) {
    throw new AamError(
      'INVALID_CHECKSUM',
      `Malformed ${where}: expected 'sha256:' followed by 64 hex digits, got ${JSON.stringify(value)}`,
      { value },
    );
  }
  return value.toLowerCase() as Checksum;
}

export function checksumFromDigest(digest: Buffer): Checksum {
  return `sha256:${digest.toString('hex')}`;
}

/** Case-insensitive comparison of two checksums (SPEC §1). */
export function checksumsEqual(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function sha256(data: Uint8Array): Checksum {
  return checksumFromDigest(createHash('sha256').update(data).digest());
}

/** Streams a file through SHA-256 without buffering it; 1 MiB reads keep pace with `openssl dgst`. */
export async function sha256File(path: string): Promise<Checksum> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return checksumFromDigest(hash.digest());
}

/** Raw hex digest of a file (for per-file checksums in the lock). */
export async function sha256FileHex(path: string): Promise<string> {
  return (await sha256File(path)).slice('sha256:'.length);
}

let scratch: Buffer | undefined;

/**
 * The hex SHA-256 of a regular file, read synchronously through one reused 1 MiB buffer: no stream, no buffer
 * per file and no event-loop round trip per read, which is what checking 100,000 small installed files costs
 * (an asynchronous stream per file spends more time scheduling than hashing). A symbolic link is not followed
 * (ELOOP): the caller saw a file, and a link put there since is not what it saw.
 */
export function sha256RegularFileHexSync(path: string): string {
  // Non-blocking: a FIFO put where a file was would otherwise hang the process in open().
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${path} is not a regular file`);
    scratch ??= Buffer.allocUnsafe(1 << 20);
    let n = readSync(fd, scratch, 0, scratch.length, null);
    // Most files are whole after one read: one call hashes them (no hash object to build).
    if (n >= st.size && n < scratch.length) return oneShotHash('sha256', scratch.subarray(0, n), 'hex');
    const hash = createHash('sha256').update(scratch.subarray(0, n));
    // Otherwise reads until the size fstat gave or the end, whichever comes first.
    for (let total = n; n !== 0 && total < st.size; total += n) {
      n = readSync(fd, scratch, 0, scratch.length, null);
      hash.update(scratch.subarray(0, n));
    }
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}
