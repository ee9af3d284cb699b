export { buildApp, type AppOptions } from './app.js';
export { AuditLog } from './audit.js';
export { newTokenSecret, tokenLooksValid, SCOPES, type Scope } from './auth.js';
export {
  CheckedBlobs,
  FileBlobStore,
  openBlobStore,
  S3BlobStore,
  type BlobInfo,
  type BlobStore,
} from './blobs/index.js';
export { openDb, type Db, type Query } from './db.js';
export type { FaultPoint, FaultPoints } from './faults.js';
export { RegistryError, RETRY_AFTER_S } from './problem.js';
export { startRegistry, type RunningRegistry, type ServeOptions } from './serve.js';
export { openRegistryStore, storageLayout, type RegistryStoreOptions, type StorageLayout } from './serve.js';
export { sweepBlobs, type SweepOptions, type SweepReport } from './services/gc.js';
export { mintAdminToken } from './services/startup.js';
