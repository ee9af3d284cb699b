/**
 * sigstore-js costs tens of milliseconds to import: load it on the first Sigstore signature, not at every
 * `aam` start-up (most commands never touch a bundle).
 */
export interface SigstoreLibs {
  verify: typeof import('@sigstore/verify');
  bundle: typeof import('@sigstore/bundle');
  core: typeof import('@sigstore/core');
  protobuf: typeof import('@sigstore/protobuf-specs');
  /** The chain builder the Verifier uses (internal to @sigstore/verify; the version is pinned): chain-cache.ts. */
  chain: typeof import('@sigstore/verify/dist/key/certificate.js');
}

/**
 * A CommonJS module imported dynamically: its `module.exports`. Node gives it as `default` beside the named
 * exports it detects; the CLI's bundle (split chunks) gives `default` only. sigstore-js is CommonJS throughout.
 */
export function commonJs<T>(ns: T): T {
  return (ns as { default?: T }).default ?? ns;
}

let loading: Promise<SigstoreLibs> | undefined;

export function sigstoreLibs(): Promise<SigstoreLibs> {
  loading ??= Promise.all([
    import('@sigstore/verify').then(commonJs),
    import('@sigstore/bundle').then(commonJs),
    import('@sigstore/core').then(commonJs),
    import('@sigstore/protobuf-specs').then(commonJs),
    import('@sigstore/verify/dist/key/certificate.js').then(commonJs),
  ]).then(([verify, bundle, core, protobuf, chain]) => ({ verify, bundle, core, protobuf, chain }));
  return loading;
}
