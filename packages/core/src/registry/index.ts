/**
 * `@aam/core/registry`: the `Registry` interface, local (file://) and HTTP registries, problem documents,
 * credentials, version selection and key pinning.
 */
export * from './types.js';
export * from './metadata.js';
export * from './resolve.js';
export * from './local.js';
export * from './open.js';
export * from './http.js';
export * from './http-api.js';
export * from './network.js';
export * from './problem.js';
export * from './bounds.js';
export * from './credentials.js';
export * from './pinning.js';
export * from '../config/registry-keys.js';
