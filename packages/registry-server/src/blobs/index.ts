import { resolve } from 'node:path';
import type { BlobStore } from './contract.js';
import { FileBlobStore } from './file.js';
import { parseS3Url, S3BlobStore, type S3Options } from './s3.js';

export { CheckedBlobs } from './checked.js';
export type { BlobInfo, BlobStore } from './contract.js';
export { FileBlobStore } from './file.js';
export { parseS3Url, S3BlobStore, type S3Options } from './s3.js';

/** `--storage`: a directory (the embedded default) or `s3://BUCKET/PREFIX` (endpoint etc. from `s3`). */
export function openBlobStore(storage: string, s3: Omit<S3Options, 'bucket' | 'prefix'> = {}): BlobStore {
  const url = parseS3Url(storage);
  return url ? new S3BlobStore({ ...s3, ...url }) : new FileBlobStore(resolve(storage));
}

export const isS3Storage = (storage: string): boolean => storage.startsWith('s3://');
