export { buildApp, type AppOptions } from './app.js';
export { AuditLog } from './audit.js';
export { newTokenSecret, tokenLooksValid, SCOPES, type Scope } from './auth.js';
export { BlobStore } from './blobs.js';
export { openDb, type Db, type Query } from './db.js';
export type { FaultPoint, FaultPoints } from './faults.js';
export { RegistryError } from './problem.js';
export { startRegistry, type RunningRegistry, type ServeOptions } from './serve.js';
