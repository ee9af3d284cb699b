import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  AamError,
  generateNoteKey,
  parseSignerKey,
  type ArchiveLimits,
  type SignatureVerifier,
} from '@aam/core';
import { buildApp } from './app.js';
import { AttestationSigner } from './attest.js';
import { AuditLog } from './audit.js';
import { BlobStore } from './blobs.js';
import { openDb, type Db } from './db.js';
import type { FaultPoints } from './faults.js';
import { ensureAttestationKey } from './services/keys.js';
import { bootstrapAdmin, registrySetting, selfCheck } from './services/startup.js';

export interface ServeOptions {
  /** `sqlite:PATH` or `postgres://...`; default `sqlite:<storage>/registry.db`. */
  db?: string;
  /** Blob storage and keys directory. */
  storage: string;
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
  /** Test harnesses only: fault injection at named points (see `FaultPoints`). */
  faults?: FaultPoints;
}

export interface RunningRegistry {
  app: FastifyInstance;
  db: Db;
  audit: AuditLog;
  url: string;
  /** Set only on the very first start, when the admin token was generated here. */
  adminToken?: string;
  close(): Promise<void>;
}

const MB = 1024 * 1024;

function checkpointSigner(storage: string, given: string | undefined, origin: string) {
  if (given) return parseSignerKey(given.trim());
  const dir = join(storage, 'keys');
  const file = join(dir, 'checkpoint.skey');
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

/** Starts `aam registry serve`: database, migrations, keys, first admin, self-check, HTTP. */
export async function startRegistry(opts: ServeOptions): Promise<RunningRegistry> {
  const storage = resolve(opts.storage);
  mkdirSync(storage, { recursive: true });
  const db = await openDb(opts.db ?? `sqlite:${join(storage, 'registry.db')}`);
  try {
    const name = await registrySetting(db, 'name', opts.name ?? 'aam-registry');
    const origin = await registrySetting(db, 'origin', opts.origin ?? `${name}/audit`);
    const signer = checkpointSigner(
      storage,
      opts.checkpointKey ?? process.env.AAM_REGISTRY_CHECKPOINT_KEY,
      origin,
    );
    if (signer.name !== origin)
      throw new AamError(
        'USAGE',
        `The checkpoint key is named '${signer.name}', but the log's origin is '${origin}'`,
      );
    const audit = new AuditLog(origin, signer);
    await selfCheck(db, audit);
    const adminToken = await bootstrapAdmin(
      db,
      audit,
      opts.adminToken ?? process.env.AAM_REGISTRY_ADMIN_TOKEN,
    );
    const attestations = new AttestationSigner(join(storage, 'keys'));
    await ensureAttestationKey(db, audit, attestations);
    const app = await buildApp({
      attestations,
      verifiers: opts.verifiers,
      db,
      blobs: new BlobStore(storage),
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
    });
    const address = await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 4873 });
    return {
      app,
      db,
      audit,
      url: address,
      ...(adminToken ? { adminToken } : {}),
      close: async () => {
        await app.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}
