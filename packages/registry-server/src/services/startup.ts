// What a registry checks and creates when it starts, before it serves anything: its fixed settings, the audit
// log's integrity, and on the very first start the admin user.
import { randomUUID } from 'node:crypto';
import { AamError, hashesEqual, leafHash } from '@aam/core';
import type { AuditLog } from '../audit.js';
import { issueToken, newTokenSecret, SCOPES, tokenHash, tokenLooksValid } from '../auth.js';
import type { Db } from '../db.js';
import { Repository } from '../repository/index.js';

/** A setting fixed at the first start: the stored value, else `fallback` (stored for every later start). */
export async function registrySetting(db: Db, key: string, fallback: string): Promise<string> {
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
export async function selfCheck(db: Db, audit: AuditLog): Promise<void> {
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
    const stored = new Repository(q).auditLog;
    const count = await stored.entryCount();
    if (count !== head.size)
      throw new AamError(
        'AUDIT_LOG_STORE_CORRUPT',
        `Audit log: ${count} entries stored but the head says ${head.size}`,
      );
    const verified = await audit.verifiedHead(q, head);
    // A new log: its empty tree is signed once, here.
    if (!verified.signed) await stored.storeCheckpoint(audit.sign(0, verified.root));
  });
}

/**
 * A given admin token on a registry that has users must be one of its tokens: checked before the registry
 * listens, so a wrong one fails the start at once.
 */
export async function checkGivenAdminToken(repo: Repository, given: string | undefined): Promise<void> {
  if (given === undefined) return;
  if (!tokenLooksValid(given))
    throw new AamError(
      'USAGE',
      "AAM_REGISTRY_ADMIN_TOKEN is not an aam token (aam_<43 base62>_<6 base62 checksum>): make one with 'aam registry admin-token', or leave it unset to have one generated",
    );
  if (!(await repo.users.any())) return;
  if (!(await repo.tokens.withHolder(tokenHash(given))))
    throw new AamError(
      'USAGE',
      "AAM_REGISTRY_ADMIN_TOKEN is not a token of this registry (it was set up before, with another one). Unset it, or mint a new admin token with 'aam registry admin-token --storage DIR'",
    );
}

/** On the first start (no users yet): an admin user and its token, given or generated (returned once). */
export async function bootstrapAdmin(
  db: Db,
  audit: AuditLog,
  given: string | undefined,
): Promise<string | undefined> {
  return db.write(async (q) => {
    const repo = new Repository(q);
    if (await repo.users.any()) {
      await checkGivenAdminToken(repo, given);
      return undefined;
    }
    const id = randomUUID();
    await repo.users.insert({ id, name: 'admin', role: 'admin', createdAt: new Date().toISOString() });
    const scopes = SCOPES;
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
        await issueToken(repo.tokens, {
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

/**
 * `aam registry admin-token --storage DIR`: whoever can reach the registry's storage (its database and
 * checkpoint key) mints a new admin token, for the admin user (created if the first start never finished).
 * The token is logged in the audit log like every other (`token.create`, by `storage-operator`); its secret
 * is returned once and only its hash is stored. Expires in `expiresInDays` (default 30).
 */
export async function mintAdminToken(
  db: Db,
  audit: AuditLog,
  opts: { name?: string; expiresInDays?: number } = {},
): Promise<{ user: string; token: string; token_id: string; expires_at: string | null }> {
  // A registry whose first start never got as far as its admin: finish that start, as it would have.
  if (!(await db.read((q) => new Repository(q).users.any()))) {
    const token = newTokenSecret();
    await bootstrapAdmin(db, audit, token);
    const row = await db.read((q) => new Repository(q).tokens.withHolder(tokenHash(token)));
    return { user: 'admin', token, token_id: String(row?.id ?? ''), expires_at: null };
  }
  return db.write(async (q) => {
    const repo = new Repository(q);
    const admin = await repo.users.byName('admin');
    if (!admin)
      throw new AamError(
        'USAGE',
        "This registry has users but no 'admin': mint a token through an admin's API",
      );
    const t = await issueToken(repo.tokens, {
      userId: admin.id,
      name: opts.name ?? `admin-token ${new Date().toISOString()}`,
      scopes: [...SCOPES],
      expiresInDays: opts.expiresInDays ?? 30,
    });
    await audit.append(q, {
      event: 'token.create',
      actor: 'storage-operator',
      metadata: { token_id: t.id, scopes: [...SCOPES], user: admin.name, via: 'storage' },
    });
    return { user: admin.name, token: t.token, token_id: t.id, expires_at: t.expires_at };
  });
}
