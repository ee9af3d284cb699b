import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { AamError, InterruptedError } from '../errors.js';
import { checksumsEqual, type Checksum } from '../integrity/checksum.js';
import { ChecksumMismatchError } from '../integrity/mismatch.js';
import { Sha256Tap } from '../integrity/sha256-tap.js';
import type { Registry } from '../registry/types.js';

export interface FetchedArchive {
  bytes: Buffer;
  actual: Checksum;
}

/**
 * Downloads an archive into memory (bounded by the archive size limit), hashing it as it arrives, so an
 * install reads each archive once.
 */
export async function fetchArchive(
  registry: Registry,
  name: string,
  version: string,
  maxArchiveSize: number,
  onProgress?: (received: number) => void,
  signal?: AbortSignal,
): Promise<FetchedArchive> {
  const chunks: Buffer[] = [];
  let received = 0;
  const tap = new Sha256Tap(maxArchiveSize);
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk);
      received += chunk.length;
      onProgress?.(received);
      cb();
    },
  });
  try {
    await pipeline(await registry.openArchive(name, version), tap, sink, signal ? { signal } : {});
  } catch (e) {
    if (e instanceof AamError) throw e;
    // Ctrl-C stops a download at once, even one that is waiting for bytes.
    if (signal?.aborted) throw new InterruptedError();
    if (e instanceof RangeError) {
      throw new AamError(
        'ARCHIVE_TOO_LARGE',
        `${name}@${version} is larger than the ${maxArchiveSize}-byte archive limit`,
      );
    }
    throw new AamError(
      'IO_ERROR',
      `Downloading ${name}@${version} from '${registry.name}' failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return { bytes: Buffer.concat(chunks), actual: tap.checksum() };
}

/** Layer 1, enforced by the host whatever the policy says: every expected checksum must equal the actual one. */
export function assertChecksums(packageId: string, expected: Checksum[], actual: Checksum): void {
  for (const want of expected) {
    if (!checksumsEqual(want, actual)) throw new ChecksumMismatchError(packageId, want, actual);
  }
}
