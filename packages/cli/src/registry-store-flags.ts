import { Flags } from '@oclif/core';
import { AamError } from '@aam/core';

/**
 * Where an HTTP registry keeps its parts, the same flags for `registry serve`, `registry gc` and
 * `registry admin-token`: archives (`--storage DIR` or `s3://BUCKET/PREFIX`), keys, database, and how to reach
 * an S3-compatible store (credentials only from the standard AWS variables, never from a flag).
 */
export function storeFlags(opts: { storageRequired: boolean }) {
  // Without --storage (admin-token's bare form) the other flags mean nothing.
  const withStorage = opts.storageRequired ? {} : { dependsOn: ['storage'] };
  return {
    storage: Flags.string({
      description:
        'archives: a directory (which also holds the keys and the SQLite database by default), or s3://BUCKET/PREFIX',
      required: opts.storageRequired,
    }),
    keys: Flags.string({
      description:
        'directory of the checkpoint and attestation keys (default <storage>/keys; required with s3://; the same on every replica)',
      ...withStorage,
    }),
    db: Flags.string({
      description:
        'sqlite:PATH or postgres://... (default: sqlite:<storage>/registry.db; required with s3://)',
      ...withStorage,
    }),
    's3-endpoint': Flags.string({
      description:
        'S3 endpoint URL for a self-hosted store, e.g. http://127.0.0.1:8333 (default $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL)',
      ...withStorage,
    }),
    's3-region': Flags.string({
      description: 'S3 region (default $AWS_REGION, else us-east-1)',
      ...withStorage,
    }),
    's3-path-style': Flags.boolean({
      description:
        'path-style S3 URLs (endpoint/bucket/key), as self-hosted stores need (default: on with an endpoint)',
      allowNo: true,
      ...withStorage,
    }),
  };
}

export interface StoreFlagValues {
  storage?: string | undefined;
  keys?: string | undefined;
  db?: string | undefined;
  's3-endpoint'?: string | undefined;
  's3-region'?: string | undefined;
  's3-path-style'?: boolean | undefined;
}

/** The flags checked, as `startRegistry` / `openRegistryStore` options. */
export function storeOptions(flags: StoreFlagValues) {
  const storage = flags.storage;
  if (!storage) throw new AamError('USAGE', '--storage is needed (a directory, or s3://BUCKET/PREFIX)');
  if (flags.db && !/^(sqlite:|postgres(ql)?:\/\/)/.test(flags.db))
    throw new AamError('USAGE', '--db must be sqlite:PATH or postgres://...');
  const s3 = storage.startsWith('s3://');
  if (!s3 && (flags['s3-endpoint'] || flags['s3-region'] || flags['s3-path-style'] !== undefined))
    throw new AamError(
      'USAGE',
      '--s3-endpoint, --s3-region and --s3-path-style need --storage s3://BUCKET/PREFIX',
    );
  if (flags['s3-endpoint'] && !/^https?:\/\/[^\s/]+/.test(flags['s3-endpoint']))
    throw new AamError('USAGE', '--s3-endpoint must be an http:// or https:// URL');
  return {
    storage,
    ...(flags.keys ? { keys: flags.keys } : {}),
    ...(flags.db ? { db: flags.db } : {}),
    s3: {
      ...(flags['s3-endpoint'] ? { endpoint: flags['s3-endpoint'] } : {}),
      ...(flags['s3-region'] ? { region: flags['s3-region'] } : {}),
      ...(flags['s3-path-style'] !== undefined ? { forcePathStyle: flags['s3-path-style'] } : {}),
    },
  };
}
