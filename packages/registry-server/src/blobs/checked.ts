import type { Readable } from 'node:stream';
import { sha256 } from '@aam/core';
import { RegistryError, unavailable } from '../problem.js';
import type { BlobStore } from './contract.js';

/**
 * The registry's view of its blob store: every failure of the store is a 503 (never a 500 or a pass), and no
 * byte is served before its sha256 has been checked against its key at least once in this process (a store that
 * returns other bytes, by corruption or by an attacker with write access to the bucket, is caught at the first
 * read). Checked small blobs are kept in memory (they are immutable); checked large ones are streamed.
 */
export class CheckedBlobs {
  /** Digests whose stored bytes this process has hashed and found right (bounded; forgetting only costs a re-check). */
  private readonly checked = new Set<string>();
  private readonly cache = new Map<string, Buffer>();
  private cachedBytes = 0;
  static readonly CACHE_ITEM_MAX = 1024 * 1024;
  static readonly CACHE_TOTAL_MAX = 64 * 1024 * 1024;
  static readonly CHECKED_MAX = 100_000;

  constructor(readonly store: BlobStore) {}

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof RegistryError) throw e;
      throw unavailable('storage', e);
    }
  }

  private markChecked(hex: string): void {
    if (this.checked.size >= CheckedBlobs.CHECKED_MAX) this.checked.clear();
    this.checked.add(hex);
  }

  private remember(hex: string, bytes: Buffer): void {
    if (bytes.length > CheckedBlobs.CACHE_ITEM_MAX) return;
    this.cache.set(hex, bytes);
    this.cachedBytes += bytes.length;
    for (const [k, v] of this.cache) {
      if (this.cachedBytes <= CheckedBlobs.CACHE_TOTAL_MAX) break;
      this.cache.delete(k);
      this.cachedBytes -= v.length;
    }
  }

  /** Stores bytes the caller has hashed to `hex` (publish computes the checksum from the upload itself). */
  async put(hex: string, bytes: Buffer): Promise<void> {
    if (sha256(bytes) !== `sha256:${hex}`) throw new Error(`blob put: the bytes do not hash to ${hex}`);
    // Not marked as checked: a store may keep the bytes it already had under this key (the directory store
    // does), and those are checked at their first read like any other.
    await this.guard(() => this.store.put(hex, bytes));
  }

  /** Stores the bytes again if the store no longer has them (called under the write lock; see the sweep). */
  async ensureStored(hex: string, bytes: Buffer): Promise<void> {
    if (!(await this.guard(() => this.store.has(hex)))) await this.put(hex, bytes);
  }

  /** A version's archive: from memory, streamed (checked before), or read whole and checked now. */
  async contents(hex: string): Promise<Buffer | Readable> {
    const hit = this.cache.get(hex);
    if (hit) {
      this.cache.delete(hex);
      this.cache.set(hex, hit);
      return hit;
    }
    if (this.checked.has(hex)) {
      const s = await this.guard(() => this.store.stream(hex));
      if (!s) throw missingBlob(hex);
      return s;
    }
    const bytes = await this.guard(() => this.store.get(hex));
    if (!bytes) throw missingBlob(hex);
    if (sha256(bytes) !== `sha256:${hex}`)
      throw new RegistryError(
        500,
        'archive_corrupt',
        `The stored archive sha256:${hex} does not match its checksum; it is not served`,
      );
    this.markChecked(hex);
    this.remember(hex, bytes);
    return bytes;
  }

  /** Throws a 503 (never the store's own message, which may name internal hosts) when it cannot be reached. */
  ping(): Promise<void> {
    return this.guard(() => this.store.ping());
  }
}

const missingBlob = (hex: string) =>
  new RegistryError(500, 'archive_missing', `The archive sha256:${hex} is missing from the store`);
