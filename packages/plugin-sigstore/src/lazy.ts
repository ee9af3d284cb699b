/**
 * sigstore-js costs tens of milliseconds to import: load it on the first Sigstore signature, not at every
 * `aam` start-up (most commands never touch a bundle).
 */
export interface SigstoreLibs {
  verify: typeof import('@sigstore/verify');
  bundle: typeof import('@sigstore/bundle');
  core: typeof import('@sigstore/core');
  protobuf: typeof import('@sigstore/protobuf-specs');
}

let loading: Promise<SigstoreLibs> | undefined;

export function sigstoreLibs(): Promise<SigstoreLibs> {
  loading ??= Promise.all([
    import('@sigstore/verify'),
    import('@sigstore/bundle'),
    import('@sigstore/core'),
    import('@sigstore/protobuf-specs'),
  ]).then(([verify, bundle, core, protobuf]) => ({ verify, bundle, core, protobuf }));
  return loading;
}
