import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  AamError,
  generateNoteKey,
  checkScannerNames,
  isAamError,
  parseSignerKey,
  PublishPolicy,
  type ArchiveLimits,
  type Scanner,
  type SignatureVerifier,
} from '@aam/core';
import { buildApp, type LogLevel } from './app.js';
import { AttestationSigner } from './attest.js';
import { AuditLog } from './audit.js';
import {
  CheckedBlobs,
  type BlobStore,
  isS3Storage,
  openBlobStore,
  S3BlobStore,
  type S3Options,
} from './blobs/index.js';
import { openDb, type Db } from './db.js';
import type { FaultPoints } from './faults.js';
import { ensureAttestationKey } from './services/keys.js';
import { Repository } from './repository/index.js';
import { bootstrapAdmin, checkGivenAdminToken, registrySetting, selfCheck } from './services/startup.js';

export interface ServeOptions {
  /** `sqlite:PATH` or `postgres://...`; default `sqlite:<storage>/registry.db` (a directory store only). */
  db?: string;
  /** Archive storage: a directory (also the default home of the database and keys), or `s3://BUCKET/PREFIX`. */
  storage: string;
  /** The keys directory (checkpoint and attestation keys); default `<storage>/keys`, required with s3://. */
  keys?: string;
  /** An s3:// store's endpoint, region and addressing (unset: the standard AWS variables). */
  s3?: Omit<S3Options, 'bucket' | 'prefix'>;
  host?: string;
  port?: number;
  /** The registry's name; the audit log's origin is `<name>/audit` unless given. */
  name?: string;
  origin?: string;
  requireApproval?: boolean;
  limits?: Partial<ArchiveLimits>;
  rateLimit?: { publish?: number; other?: number };
  /** The bootstrap admin token (else one is generated and printed once). */
  adminToken?: string;
  /** The checkpoint signing key (Go signer-key format); else `<storage>/keys/checkpoint.skey`. */
  checkpointKey?: string;
  log?: (line: string) => void;
  /**
   * The verifiers of authors' signatures: the plugin container's (`verifiersOf(container)`), the same the CLI
   * judges with, so a signature a client accepts is accepted at publish, and the config's trust roots apply.
   * An upload whose signature no verifier recognises or verifies is refused.
   */
  verifiers: SignatureVerifier[];
  /**
   * Scanners run on every upload before it is stored (the plugin container's, `scannersOf(container)`); none:
   * uploads are not scanned, and the publish policy sees no scans.
   */
  scanners?: Scanner[];
  /** Milliseconds each scanner may take (default 30 s); past it the publish is refused with 503. */
  scanTimeoutMs?: number;
  /** Most unpacked bytes of one upload that are read into memory and scanned (default 256 MiB); more: 413. */
  scanMaxBytes?: number;
  /** A Rego file (`package aam.publish`) deciding accept, hold or reject; default: the shipped policy. */
  publishPolicy?: string;
  /** Fastify's structured log on stderr (credentials redacted); none when unset. */
  logLevel?: LogLevel;
  /** Behind a reverse proxy: the proxies whose forwarded headers are believed (see `AppOptions.trustProxy`). */
  trustProxy?: string[] | number;
  /** Test harnesses only: fault injection at named points (see `FaultPoints`). */
  faults?: FaultPoints;
}

export interface RunningRegistry {
  app: FastifyInstance;
  db: Db;
  audit: AuditLog;
  url: string;
  /** Where archives are kept: a directory, or `s3://bucket/prefix/`. */
  storage: string;
  /** The publish policy deciding uploads (its source and digest, for the start-up banner). */
  publishPolicy: PublishPolicy;
  /** Set only on the very first start, when the admin token was generated here. */
  adminToken?: string;
  close(): Promise<void>;
}

const MB = 1024 * 1024;

function checkpointSigner(dir: string, given: string | undefined, origin: string, create = true) {
  if (given) return parseSignerKey(given.trim());
  const file = join(dir, 'checkpoint.skey');
  if (!create && !existsSync(file))
    throw new AamError(
      'USAGE',
      `${file} does not exist: give the checkpoint key this registry signs with (AAM_REGISTRY_CHECKPOINT_KEY, as its replicas have it)`,
    );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let skey: string;
  try {
    skey = readFileSync(file, 'utf8').trim();
  } catch {
    const key = generateNoteKey(origin);
    try {
      // O_EXCL: two replicas starting at once never end up with different keys.
      writeFileSync(file, key.skey + '\n', { mode: 0o600, flag: 'wx' });
      skey = key.skey;
    } catch {
      skey = readFileSync(file, 'utf8').trim();
    }
  }
  return parseSignerKey(skey);
}

/** What `--port` names is taken: said with the port and the way out, before the first start writes anything. */
function portInUse(host: string, port: number): AamError {
  return new AamError(
    'IO_ERROR',
    `Cannot listen on ${host}:${port}: the address is already in use (another registry?). Stop it, or pick another port with --port`,
    { host, port },
  );
}

/**
 * Binds and releases the port, so a busy one fails the start before the database, keys or admin are created.
 * (The real listen can still lose a race; it fails the same way, and the admin is only created after it.)
 */
async function probePort(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((ok, fail) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? portInUse(host, port) : e),
    );
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => ok()));
  });
}

export interface RegistryStoreOptions {
  db?: string;
  storage: string;
  keys?: string;
  name?: string;
  origin?: string;
  checkpointKey?: string;
  /**
   * Only open a registry that exists (`aam registry admin-token --storage`): refuse a database that holds none,
   * and never generate a checkpoint key.
   */
  existing?: boolean;
}

/** Where a registry's parts live: the archive store, the keys directory, the database URL. */
export interface StorageLayout {
  /** A resolved directory, or the `s3://` URL as given. */
  storage: string;
  keys: string;
  db: string;
  s3: boolean;
}

/**
 * `--storage`, `--keys` and `--db` together: a directory store holds the keys and an SQLite database by
 * default; an s3:// store holds archives only, so the keys directory and the database must be named.
 */
export function storageLayout(opts: { storage: string; keys?: string; db?: string }): StorageLayout {
  if (isS3Storage(opts.storage)) {
    if (!opts.keys)
      throw new AamError(
        'USAGE',
        '--keys DIR is needed with s3:// storage (the checkpoint and attestation keys, the same on every replica)',
      );
    if (!opts.db)
      throw new AamError(
        'USAGE',
        '--db is needed with s3:// storage (postgres://... for replicas, or sqlite:PATH for one process)',
      );
    return { storage: opts.storage, keys: resolve(opts.keys), db: opts.db, s3: true };
  }
  const storage = resolve(opts.storage);
  return {
    storage,
    keys: resolve(opts.keys ?? join(storage, 'keys')),
    db: opts.db ?? `sqlite:${join(storage, 'registry.db')}`,
    s3: false,
  };
}

/** The registry's database with its fixed settings and checkpoint signer, the log verified. */
export async function openRegistryStore(
  opts: RegistryStoreOptions,
): Promise<{ db: Db; audit: AuditLog; name: string; layout: StorageLayout }> {
  const layout = storageLayout(opts);
  const storage = layout.storage;
  if (!layout.s3) {
    if (opts.existing && !existsSync(storage))
      throw new AamError('USAGE', `${storage} does not exist: give the --storage of 'aam registry serve'`);
    mkdirSync(storage, { recursive: true });
  }
  const db = await openDb(layout.db);
  try {
    if (opts.existing && (await db.read((q) => new Repository(q).settings.get('name'))) === undefined)
      throw new AamError(
        'USAGE',
        `No registry in ${layout.db}: it was never started there (give the --db of 'aam registry serve')`,
      );
    const name = await registrySetting(db, 'name', opts.name ?? 'aam-registry');
    const origin = await registrySetting(db, 'origin', opts.origin ?? `${name}/audit`);
    const signer = checkpointSigner(
      layout.keys,
      opts.checkpointKey ?? process.env.AAM_REGISTRY_CHECKPOINT_KEY,
      origin,
      !opts.existing,
    );
    if (signer.name !== origin)
      throw new AamError(
        'USAGE',
        `The checkpoint key is named '${signer.name}', but the log's origin is '${origin}'`,
      );
    const audit = new AuditLog(origin, signer);
    try {
      await selfCheck(db, audit);
    } catch (e) {
      // Another key than the one that signed the log: said as such, not as a corrupt log.
      if (isAamError(e) && e.code === 'AUDIT_LOG_BAD_SIGNATURE')
        throw new AamError(
          'CHECKPOINT_KEY_MISMATCH',
          `The audit log's checkpoint is not signed by this checkpoint key (${audit.vkey}): give the registry's own key (${join(layout.keys, 'checkpoint.skey')} or AAM_REGISTRY_CHECKPOINT_KEY)`,
        );
      throw e;
    }
    return { db, audit, name, layout };
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}

/**
 * Starts `aam registry serve`: port check, database, migrations, keys, self-check, HTTP, and only once it
 * listens, the first admin (so a start that fails never leaves a registry whose admin token nobody saw).
 */
export async function startRegistry(opts: ServeOptions): Promise<RunningRegistry> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 4873;
  await probePort(host, port);
  checkScannerNames(opts.scanners ?? []);
  // A publish policy that does not compile stops the start before anything is written.
  const publishPolicy = await PublishPolicy.load(opts.publishPolicy ? { file: opts.publishPolicy } : {});
  const { db, audit, name, layout } = await openRegistryStore({
    storage: opts.storage,
    ...(opts.keys ? { keys: opts.keys } : {}),
    ...(opts.db ? { db: opts.db } : {}),
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.origin ? { origin: opts.origin } : {}),
    ...(opts.checkpointKey ? { checkpointKey: opts.checkpointKey } : {}),
  });
  let app: FastifyInstance | undefined;
  const store = openBlobStore(layout.storage, opts.s3);
  try {
    await checkStore(store);
    const given = opts.adminToken ?? process.env.AAM_REGISTRY_ADMIN_TOKEN;
    await db.read((q) => checkGivenAdminToken(new Repository(q), given));
    const attestations = new AttestationSigner(layout.keys);
    await ensureAttestationKey(db, audit, attestations);
    app = await buildApp({
      attestations,
      verifiers: opts.verifiers,
      scanners: opts.scanners ?? [],
      scanTimeoutMs: opts.scanTimeoutMs ?? 30_000,
      scanMaxBytes: opts.scanMaxBytes ?? 256 * MB,
      publishPolicy,
      db,
      blobs: new CheckedBlobs(store),
      audit,
      name,
      requireApproval: opts.requireApproval ?? false,
      limits: {
        maxArchiveSize: opts.limits?.maxArchiveSize ?? 50 * MB,
        maxUnpackedSize: opts.limits?.maxUnpackedSize ?? 512 * MB,
        maxEntries: opts.limits?.maxEntries ?? 10_000,
      },
      rateLimit: { publish: opts.rateLimit?.publish ?? 600, other: opts.rateLimit?.other ?? 60_000 },
      ...(opts.faults ? { faults: opts.faults } : {}),
      ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
      ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}),
    });
    let address: string;
    try {
      address = await app.listen({ host, port });
    } catch (e) {
      throw (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? portInUse(host, port) : e;
    }
    const adminToken = await bootstrapAdmin(db, audit, given);
    const server = app;
    return {
      app: server,
      db,
      audit,
      url: address,
      storage: store.location,
      publishPolicy,
      ...(adminToken ? { adminToken } : {}),
      close: async () => {
        await server.close();
        await db.close();
        if (store instanceof S3BlobStore) store.close();
      },
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    if (store instanceof S3BlobStore) store.close();
    throw e;
  }
}

/** The archive store must answer before the registry listens: a wrong bucket or endpoint fails the start. */
async function checkStore(store: BlobStore): Promise<void> {
  try {
    await store.ping();
  } catch (e) {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const why =
      err.$metadata?.httpStatusCode === 404 || err.name === 'NotFound'
        ? 'the bucket does not exist (create it first)'
        : err.$metadata?.httpStatusCode === 403
          ? 'access denied (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)'
          : (err.message ?? err.name ?? String(e));
    throw new AamError('IO_ERROR', `Cannot use the archive store ${store.location}: ${why}`);
  }
}
