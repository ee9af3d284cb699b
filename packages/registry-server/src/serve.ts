import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  AamError,
  generateNoteKey,
  hashesEqual,
  leafHash,
  openCheckpoint,
  parseSignerKey,
  type ArchiveLimits,
  type SignatureVerifier,
} from '@aam/core';
import { buildApp } from './app.js';
import { AttestationSigner } from './attest.js';
import { AuditLog } from './audit.js';
import { createToken, tokenHash, tokenLooksValid } from './auth.js';
import { BlobStore } from './blobs.js';
import { openDb, type Db } from './db.js';
import type { FaultPoints } from './faults.js';
import { Repository } from './repository/index.js';

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

async function setting(db: Db, key: string, fallback: string): Promise<string> {
  return db.write(async (q) => {
    const settings = new Repository(q).settings;
    const value = await settings.get(key);
    if (value !== undefined) return value;
    await settings.insert(key, fallback);
    return fallback;
  });
}

/**
 * Refuses to start on a log that does not add up: the stored checkpoint must verify under this registry's key
 * and name the size and root that the stored nodes give. Never "repairs" by re-signing.
 */
async function selfCheck(db: Db, audit: AuditLog): Promise<void> {
  // Every entry's bytes must still hash to its stored leaf (and level-0 node): an edited body is caught
  // here, before anything is served. About 3 µs per entry.
  const size = (await db.read((q) => audit.head(q))).size;
  for (let start = 0; start < size; start += 10_000) {
    const rows = await db.read((q) =>
      new Repository(q).auditLog.entriesWithLeafNodes(start, Math.min(size, start + 10_000)),
    );
    let expected = start;
    for (const r of rows) {
      const h = leafHash(Buffer.from(r.body));
      if (
        Number(r.idx) !== expected ||
        !hashesEqual(h, Buffer.from(r.leaf_hash)) ||
        !r.node ||
        !hashesEqual(h, Buffer.from(r.node))
      )
        throw new AamError(
          'AUDIT_LOG_STORE_CORRUPT',
          `Audit log: entry ${expected} does not match its leaf hash (edited or missing); refusing to start`,
        );
      expected++;
    }
    if (expected !== Math.min(size, start + 10_000))
      throw new AamError(
        'AUDIT_LOG_STORE_CORRUPT',
        `Audit log: entry ${expected} is missing; refusing to start`,
      );
  }
  await db.write(async (q) => {
    const head = await audit.head(q);
    const rows = new Repository(q).auditLog;
    const count = await rows.entryCount();
    if (count !== head.size)
      throw new AamError(
        'AUDIT_LOG_STORE_CORRUPT',
        `Audit log: ${count} entries stored but the head says ${head.size}`,
      );
    const root = await audit.rootAt(q, head.size);
    if (!hashesEqual(root, head.root))
      throw new AamError(
        'AUDIT_LOG_STORE_CORRUPT',
        `Audit log: the stored nodes do not give the head's root at size ${head.size}`,
      );
    if (head.checkpoint === '') {
      if (head.size !== 0)
        throw new AamError('AUDIT_LOG_STORE_CORRUPT', 'Audit log: no checkpoint for a non-empty log');
      await rows.storeCheckpoint(audit.sign(0, root));
      return;
    }
    const { checkpoint } = openCheckpoint(head.checkpoint, audit.vkey, audit.origin);
    if (checkpoint.size !== head.size || !hashesEqual(checkpoint.root, root))
      throw new AamError(
        'AUDIT_LOG_STORE_CORRUPT',
        'Audit log: the signed checkpoint does not match the stored log',
      );
  });
}

/** Starts `aam registry serve`: database, migrations, keys, first admin, self-check, HTTP. */
export async function startRegistry(opts: ServeOptions): Promise<RunningRegistry> {
  const storage = resolve(opts.storage);
  mkdirSync(storage, { recursive: true });
  const db = await openDb(opts.db ?? `sqlite:${join(storage, 'registry.db')}`);
  try {
    const name = await setting(db, 'name', opts.name ?? 'aam-registry');
    const origin = await setting(db, 'origin', opts.origin ?? `${name}/audit`);
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

/** On the first start (no users yet): an admin user and its token, given or generated (returned once). */
async function bootstrapAdmin(
  db: Db,
  audit: AuditLog,
  given: string | undefined,
): Promise<string | undefined> {
  if (given !== undefined && !tokenLooksValid(given))
    throw new AamError(
      'USAGE',
      'AAM_REGISTRY_ADMIN_TOKEN is not an aam token (aam_<43 base62>_<6 base62 checksum>); leave it unset to have one generated',
    );
  return db.write(async (q) => {
    const repo = new Repository(q);
    if (await repo.users.any()) {
      if (given !== undefined) {
        const known = await repo.tokens.withHolder(tokenHash(given));
        if (!known)
          throw new AamError(
            'USAGE',
            'AAM_REGISTRY_ADMIN_TOKEN is set but this registry already has a different admin',
          );
      }
      return undefined;
    }
    const id = randomUUID();
    await repo.users.insert({ id, name: 'admin', role: 'admin', createdAt: new Date().toISOString() });
    const scopes = ['read', 'publish', 'yank', 'tag', 'approve', 'owner', 'audit', 'admin'] as const;
    let token: string;
    if (given !== undefined) {
      token = given;
      await repo.tokens.insert({
        id: randomUUID(),
        userId: id,
        name: 'bootstrap',
        sha256: tokenHash(given),
        prefix: given.slice(0, 8),
        scopes: [...scopes],
        packages: [],
        createdAt: new Date().toISOString(),
        expiresAt: null,
      });
    } else {
      token = (
        await createToken(repo.tokens, {
          userId: id,
          name: 'bootstrap',
          scopes: [...scopes],
          expiresInDays: null,
        })
      ).token;
    }
    await audit.append(q, {
      event: 'user.create',
      actor: 'registry',
      metadata: { user: 'admin', role: 'admin' },
    });
    await audit.append(q, {
      event: 'key.create',
      actor: 'registry',
      metadata: { use: 'checkpoint', vkey: audit.vkey },
    });
    return given !== undefined ? undefined : token;
  });
}

/** The first start (or a database without one) gets an active attestation key; its creation is an audit event. */
async function ensureAttestationKey(db: Db, audit: AuditLog, signer: AttestationSigner): Promise<void> {
  const has = await db.read((q) => new Repository(q).attestationKeys.active());
  if (has) return;
  const fresh = signer.generate();
  await db.write(async (q) => {
    const keys = new Repository(q).attestationKeys;
    // Another replica may have won the race: keep its key, and ours stays unused on disk.
    if (await keys.active()) return;
    await keys.insertActive(fresh.keyid, fresh.pem, new Date().toISOString());
    await audit.append(q, {
      event: 'key.create',
      actor: 'registry',
      metadata: { use: 'attestation', keyid: fresh.keyid },
    });
  });
}
