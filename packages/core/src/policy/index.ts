/**
 * `@aam/core/policy`: facts and decision types, config -> Rego, opa build and the compiled-policy cache, and
 * the WASM engine. No I/O beyond reading and compiling policies.
 */
export * from './facts.js';
export * from './translate.js';
export * from './opa.js';
export * from './compile.js';
export * from './engine.js';
export * from './levels.js';
export * from './publish.js';
