import type { Readable } from 'node:stream';

/** One stored blob, as a sweep lists it. */
export interface BlobInfo {
  /** The sha256 of its bytes, lower-case hex: its key. */
  hex: string;
  size: number;
  /** When it was written (the store's own clock). */
  modified: Date;
}

/**
 * Content-addressed archive storage: the registry's only contract with where archive bytes live. Two
 * implementations: `FileBlobStore` (a directory, the embedded default) and `S3BlobStore` (any S3-compatible
 * object store, for replicas). Keys are sha256 hex digests, so writes are idempotent and a stored blob never
 * changes; checking that bytes match their key is the caller's (`CheckedBlobs`), never trusted to the store.
 */
export interface BlobStore {
  /** What it is, for logs and errors: a directory path or `s3://bucket/prefix`. */
  readonly location: string;
  has(hex: string): Promise<boolean>;
  /** Stores the bytes under their digest; a second put of the same key is a no-op. A crash leaves no partial blob. */
  put(hex: string, bytes: Buffer): Promise<void>;
  /** The whole blob (undefined when absent). */
  get(hex: string): Promise<Buffer | undefined>;
  /** The blob as a stream (undefined when absent). */
  stream(hex: string): Promise<Readable | undefined>;
  /** Every stored blob (a sweep's input), in pages. */
  list(): AsyncIterable<BlobInfo>;
  /** Removes a blob (absent: no-op). */
  delete(hex: string): Promise<void>;
  /** Throws when the store cannot be reached (readiness). */
  ping(): Promise<void>;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function checkKey(hex: string): string {
  if (!SHA256_HEX.test(hex)) throw new Error(`not a sha256 hex digest: ${hex}`);
  return hex;
}
