import { createHash, randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  AamError,
  assertPackageName,
  assertTag,
  compareSemver,
  inspectArchive,
  isSemver,
  verifySignature,
  type ArchiveLimits,
  type Manifest,
  type SignatureVerifier,
} from '@aam/core';
import {
  DSSE_MEDIA_TYPE,
  PUBLISH_PREDICATE,
  publishStatement,
  type DsseEnvelope,
} from '@aam/plugin-attestation/format';
import type { AttestationSigner } from './attest.js';
import type { AuditEvent } from '@aam/core';
import { AuditLog } from './audit.js';
import {
  authenticate,
  packageAllowed,
  createToken,
  parseScopes,
  requireScope,
  type Principal,
  type Role,
  type Scope,
} from './auth.js';
import { BlobStore } from './blobs.js';
import type { Db, Query } from './db.js';
import type { FaultPoints } from './faults.js';
import { badRequest, conflict, forbidden, notFound, problemOf, RegistryError } from './problem.js';
import { Repository, type EntryRow, type VersionRow } from './repository/index.js';

export interface AppOptions {
  db: Db;
  blobs: BlobStore;
  audit: AuditLog;
  /** The registry's public name (shown in capabilities). */
  name: string;
  /** Publishes wait for an approver (never the publisher) before tags move. */
  requireApproval: boolean;
  limits: ArchiveLimits;
  /** Requests per minute per token (or IP): publishes and everything else. */
  rateLimit: { publish: number; other: number };
  /** Signs the registry's in-toto attestation for every accepted version (ECDSA P-256, DSSE). */
  attestations: AttestationSigner;
  /** Verifiers for authors' signatures (Sigstore, GPG): an upload whose signature does not verify is refused. */
  verifiers: SignatureVerifier[];
  /** Test-only fault injection, e.g. a crash inside the publish transaction. */
  faults?: FaultPoints;
}

type Params = { pkg?: string; ver?: string; tag?: string; user?: string; id?: string };
type Req = FastifyRequest<{ Params: Params; Querystring: Record<string, string | undefined>; Body: unknown }>;

const MAX_LIMIT = 200;
const MAX_SIGNATURE_BYTES = 256 * 1024;

function pagination(
  query: Record<string, string | undefined>,
  def: number,
): { limit: number; after: string | null } {
  const limit = query.limit === undefined ? def : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw badRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  let after: string | null = null;
  if (query.cursor !== undefined) {
    after = /^[A-Za-z0-9_-]{1,200}$/.test(query.cursor)
      ? Buffer.from(query.cursor, 'base64url').toString('utf8')
      : '';
    if (after === '') throw badRequest('cursor is not valid');
  }
  return { limit, after };
}

const cursorOf = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

function pkgParam(req: Req): string {
  const name = req.params.pkg ?? '';
  try {
    assertPackageName(name);
  } catch {
    throw badRequest(`'${name}' is not a valid package name`);
  }
  return name;
}

function verParam(req: Req): string {
  const v = req.params.ver ?? '';
  if (!isSemver(v)) throw badRequest(`'${v}' is not a valid version`);
  return v;
}

function bodyObject(req: Req): Record<string, unknown> {
  const b = req.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw badRequest('The body must be a JSON object');
  return b as Record<string, unknown>;
}

/** The registry's HTTP API (`/api/v1`, registry-anchors §5). */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { db, blobs, audit } = opts;
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    // `/packages/@scope/name/...` → one `:pkg` parameter (`@scope%2Fname` decodes to `@scope/name`).
    rewriteUrl: (req) =>
      (req.url ?? '/').replace(/^\/api\/v1\/packages\/(@[^/?]+)\/([^/?]+)/, '/api/v1/packages/$1%2F$2'),
  });

  await app.register(multipart, {
    limits: { fileSize: opts.limits.maxArchiveSize, files: 2, fields: 10, fieldSize: 2 * 1024 * 1024 },
  });
  await app.register(rateLimit, {
    global: true,
    max: opts.rateLimit.other,
    timeWindow: 60_000,
    // Keyed by the token's digest when it looks like one (never the secret itself), else by address: junk
    // Authorization headers do not buy a fresh allowance.
    // Keyed by client address: a token is only known to be real after authentication, and one that merely
    // looks valid (its checksum can be computed offline) must not buy a fresh allowance.
    keyGenerator: (req) => `ip:${req.ip}`,
    errorResponseBuilder: (_req, ctx) =>
      new RegistryError(429, 'rate_limited', `Too many requests: retry in ${Math.ceil(ctx.ttl / 1000)} s`, {
        retry_after: Math.ceil(ctx.ttl / 1000),
      }),
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    let e: RegistryError;
    if (err instanceof RegistryError) e = err;
    else {
      const fe = err as { statusCode?: number; code?: string; message?: string };
      if (fe.code === 'FST_REQ_FILE_TOO_LARGE')
        e = new RegistryError(
          413,
          'archive_too_large',
          `The archive is larger than ${opts.limits.maxArchiveSize} bytes`,
        );
      else if (
        fe.code === 'FST_FILES_LIMIT' ||
        fe.code === 'FST_FIELDS_LIMIT' ||
        fe.code === 'FST_PARTS_LIMIT'
      )
        e = new RegistryError(413, 'too_many_parts', 'Too many parts in the upload');
      else if (fe.statusCode === 413)
        e = new RegistryError(413, 'body_too_large', 'The request body is too large');
      else if (fe.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || fe.statusCode === 415)
        e = new RegistryError(415, 'unsupported_media_type', 'Publish with multipart/form-data');
      else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)
        e = new RegistryError(fe.statusCode, 'bad_request', fe.message ?? 'Bad request');
      else {
        req.log.error(err);
        e = new RegistryError(500, 'internal', 'Internal error');
      }
    }
    void reply.code(e.status).headers(e.headers).type('application/problem+json').send(problemOf(e, req.id));
  });
  // `?a=1&a=2` arrives as an array: every parameter here is single-valued.
  app.addHook('preValidation', async (req) => {
    for (const v of Object.values((req.query ?? {}) as Record<string, unknown>))
      if (Array.isArray(v)) throw badRequest('A query parameter is given more than once');
  });
  app.setNotFoundHandler((req, reply) => {
    const e = notFound(`${req.method} ${req.url.split('?')[0]}`, 'route_not_found');
    void reply.code(404).type('application/problem+json').send(problemOf(e, req.id));
  });

  const principal = (req: Req): Promise<Principal> =>
    db.read((q) => authenticate(new Repository(q).tokens, req.headers.authorization));
  /** Public reads: a token widens what is visible; a stale or unknown one just reads anonymously. */
  const optionalPrincipal = async (req: Req): Promise<Principal | undefined> => {
    if (!req.headers.authorization) return undefined;
    try {
      return await principal(req);
    } catch (e) {
      if (e instanceof RegistryError && e.status === 401) return undefined;
      throw e;
    }
  };

  const ownersOf = async (q: Query, pkg: string): Promise<string[]> => new Repository(q).owners.of(pkg);

  /** Owners, approvers and admins see pending and rejected versions; everyone else gets 404 for them. */
  const canSeeHidden = async (q: Query, p: Principal | undefined, pkg: string): Promise<boolean> =>
    !!p && (p.role === 'admin' || p.role === 'approver' || (await ownersOf(q, pkg)).includes(p.userId));

  async function requireOwner(q: Query, p: Principal, pkg: string): Promise<void> {
    if (p.role === 'admin') return;
    const owners = await ownersOf(q, pkg);
    if (owners.length === 0) throw notFound(`Package ${pkg}`, 'package_not_found');
    if (!owners.includes(p.userId)) throw forbidden(`Only an owner of ${pkg} may do this`);
  }

  async function versionRow(q: Query, pkg: string, ver: string): Promise<VersionRow | undefined> {
    return new Repository(q).versions.row(pkg, ver);
  }

  async function visibleVersion(
    q: Query,
    p: Principal | undefined,
    pkg: string,
    ver: string,
  ): Promise<VersionRow> {
    const v = await versionRow(q, pkg, ver);
    if (!v || (v.status !== 'approved' && !(await canSeeHidden(q, p, pkg))))
      throw notFound(`${pkg}@${ver}`, 'version_not_found');
    return v;
  }

  async function signatureSummaries(q: Query, pkg: string, ver: string) {
    return (await new Repository(q).signatures.summaries(pkg, ver)).map((s) => ({
      type: s.type,
      ...(s.identity ? { identity: s.identity } : {}),
      ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}),
    }));
  }

  async function versionDoc(q: Query, v: VersionRow) {
    return {
      name: v.package,
      version: v.version,
      description: v.description,
      checksum: v.checksum,
      size: Number(v.size),
      published_at: v.published_at,
      publisher: await new Repository(q).users.nameOf(v.publisher_id),
      auth_method: v.auth_method,
      dependencies: v.dependencies ? (JSON.parse(v.dependencies) as Record<string, string>) : {},
      yanked: v.yanked === 1,
      ...(v.yanked === 1 ? { yank: { reason: v.yank_reason, at: v.yanked_at } } : {}),
      deprecated: v.deprecated,
      approval_status: v.status,
      audit_index: Number(v.audit_index),
      signatures: await signatureSummaries(q, v.package, v.version),
      archive_url: `/api/v1/packages/${v.package}/versions/${v.version}/archive`,
    };
  }

  /** Appends an audit entry inside the caller's write transaction. */
  const log = (q: Query, ev: AuditEvent) => audit.append(q, ev);

  // --- discovery -------------------------------------------------------------------------------------
  app.get('/api/v1', async () => {
    const head = await db.read((q) => audit.head(q));
    return {
      api_version: 1,
      name: opts.name,
      limits: { max_archive_bytes: opts.limits.maxArchiveSize },
      features: { approvals: opts.requireApproval, audit_log: true },
      keys_url: '/api/v1/keys',
      audit: { origin: audit.origin, checkpoint_url: '/api/v1/audit/checkpoint', size: head.size },
    };
  });

  app.get('/api/v1/keys', async () => {
    const attestationKeys = await db.read((q) => new Repository(q).attestationKeys.list());
    return {
      keys: [
        {
          keyid: audit.vkey.split('+')[1],
          use: 'checkpoint',
          alg: 'Ed25519',
          vkey: audit.vkey,
          origin: audit.origin,
          status: 'active',
        },
        ...attestationKeys.map((k) => ({ ...k, use: 'attestation', alg: 'ES256' })),
      ],
    };
  });

  // Rotation: a new active attestation key; the old one stays listed (retired) so old attestations verify.
  app.post('/api/v1/keys/rotate', async (req: Req) => {
    const p = await principal(req);
    requireScope(p, 'admin');
    if (p.role !== 'admin') throw forbidden('Only an admin may rotate keys');
    if ((bodyObject(req).use ?? 'attestation') !== 'attestation')
      throw badRequest("Only the attestation key rotates here (use: 'attestation')");
    const fresh = opts.attestations.generate();
    return db.write(async (q) => {
      const keys = new Repository(q).attestationKeys;
      const old = await keys.active();
      await keys.retireActive(now());
      await keys.insertActive(fresh.keyid, fresh.pem, now());
      await log(q, {
        event: 'key.rotate',
        actor: p.user,
        metadata: { use: 'attestation', retired: old ?? null, active: fresh.keyid },
      });
      return { retired: old ?? null, active: fresh.keyid };
    });
  });

  app.get('/health', async () => ({ ok: true }));

  // --- audit log -------------------------------------------------------------------------------------
  app.get('/api/v1/audit/checkpoint', async (_req, reply) => {
    const head = await db.read((q) => audit.head(q));
    void reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache');
    return head.checkpoint;
  });

  const intParam = (v: string | undefined, what: string): number => {
    if (v === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(v))
      throw badRequest(`${what} must be a whole number`);
    return Number(v);
  };

  app.get('/api/v1/audit/proof/inclusion', async (req: Req) => {
    const index = intParam(req.query.index, 'index');
    const size = intParam(req.query.tree_size, 'tree_size');
    return db.read(async (q) => {
      const head = await audit.head(q);
      if (index >= size || size > head.size)
        throw badRequest(`Need index < tree_size <= ${head.size} (the log's size)`);
      const hashes = await audit.inclusion(q, index, size);
      return { index, tree_size: size, hashes: hashes.map((h) => h.toString('base64')) };
    });
  });

  app.get('/api/v1/audit/proof/consistency', async (req: Req) => {
    const from = intParam(req.query.from, 'from');
    const to = intParam(req.query.to, 'to');
    return db.read(async (q) => {
      const head = await audit.head(q);
      if (from < 1 || from > to || to > head.size) throw badRequest(`Need 0 < from <= to <= ${head.size}`);
      const hashes = await audit.consistency(q, from, to);
      return { from, to, hashes: hashes.map((h) => h.toString('base64')) };
    });
  });

  const entryDoc = (r: EntryRow) => ({
    index: Number(r.idx),
    body: Buffer.from(r.body).toString('utf8'),
    // The exact stored bytes (`body` is their UTF-8 reading; evidence needs the bytes themselves).
    body_base64: Buffer.from(r.body).toString('base64'),
    leaf_hash: Buffer.from(r.leaf_hash).toString('base64'),
  });

  async function entries(q: Query, query: Record<string, string | undefined>, pkg?: string) {
    const { limit, after } = pagination(query, 50);
    if (after !== null && !/^(0|[1-9][0-9]{0,15})$/.test(after)) throw badRequest('cursor is not valid');
    const rows = await new Repository(q).auditLog.entries(
      {
        package: pkg ?? query.package,
        event: query.event,
        actor: query.actor,
        afterIndex: after === null ? undefined : Number(after),
      },
      limit + 1,
    );
    const items = rows.slice(0, limit).map(entryDoc);
    const last = items.at(-1);
    return { items, next_cursor: rows.length > limit && last ? cursorOf(String(last.index)) : null };
  }

  app.get('/api/v1/audit/entries', async (req: Req) => db.read((q) => entries(q, req.query)));
  app.get('/api/v1/audit/entries/:id', async (req: Req) => {
    const index = intParam(req.params.id, 'index');
    const row = await db.read((q) => new Repository(q).auditLog.entry(index));
    if (!row) throw notFound(`Audit entry ${index}`, 'entry_not_found');
    return entryDoc(row);
  });
  app.get('/api/v1/packages/:pkg/audit', async (req: Req) => {
    const pkg = pkgParam(req);
    return db.read((q) => entries(q, req.query, pkg));
  });

  // --- users and tokens ------------------------------------------------------------------------------
  app.get('/api/v1/users/me', async (req: Req) => {
    const p = await principal(req);
    return { name: p.user, role: p.role, scopes: [...p.scopes].sort(), packages: p.packages };
  });

  app.post('/api/v1/users', async (req: Req, reply) => {
    const p = await principal(req);
    requireScope(p, 'admin');
    if (p.role !== 'admin') throw forbidden('Only an admin may create users');
    const b = bodyObject(req);
    const name = b.name;
    const role = (b.role ?? 'user') as Role;
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name))
      throw badRequest('name must be 1-64 characters: a-z, 0-9, dot, underscore, dash');
    if (!['admin', 'approver', 'user'].includes(role))
      throw badRequest('role must be admin, approver or user');
    const out = await db.write(async (q) => {
      const repo = new Repository(q);
      if (await repo.users.byName(name)) throw conflict(`User ${name} exists`);
      const id = randomUUID();
      await repo.users.insert({ id, name, role, createdAt: now() });
      const scopes: Scope[] =
        role === 'admin'
          ? ['read', 'publish', 'yank', 'tag', 'approve', 'owner', 'audit', 'admin']
          : role === 'approver'
            ? ['read', 'publish', 'yank', 'tag', 'approve', 'owner']
            : ['read', 'publish', 'yank', 'tag', 'owner'];
      const t = await createToken(repo.tokens, { userId: id, name: 'initial', scopes });
      await log(q, { event: 'user.create', actor: p.user, metadata: { user: name, role } });
      await log(q, { event: 'token.create', actor: name, metadata: { token_id: t.id, scopes, by: p.user } });
      return { name, role, token: t.token, token_id: t.id, expires_at: t.expires_at };
    });
    void reply.code(201);
    return out;
  });

  app.get('/api/v1/tokens', async (req: Req) => {
    const p = await principal(req);
    const rows = await db.read((q) => new Repository(q).tokens.ofUser(p.userId));
    return {
      items: rows.map((r) => ({
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        scopes: JSON.parse(r.scopes) as string[],
        packages: JSON.parse(r.packages) as string[],
        created_at: r.created_at,
        expires_at: r.expires_at,
        revoked: r.revoked_at !== null,
        current: r.id === p.tokenId,
      })),
    };
  });

  app.post('/api/v1/tokens', async (req: Req, reply) => {
    const p = await principal(req);
    const b = bodyObject(req);
    const scopes = parseScopes(b.scopes ?? ['read']);
    // A token can only hand out what it holds itself.
    for (const s of scopes)
      if (!p.scopes.has(s))
        throw forbidden(`Cannot create a token with '${s}': this token lacks it`, 'insufficient_scope');
    const packages = b.packages === undefined ? p.packages : b.packages;
    if (!Array.isArray(packages) || !packages.every((x) => typeof x === 'string' && x.length > 0))
      throw badRequest('packages must be a list of package names or @scope/* patterns');
    // Every entry must be covered by this token's own list: a limited token cannot widen its reach.
    if (p.packages.length > 0)
      for (const entry of packages as string[]) {
        const covered = entry.endsWith('/*') ? p.packages.includes(entry) : packageAllowed(p, entry);
        if (!covered)
          throw forbidden(
            `This token does not cover '${entry}', so no token it creates can`,
            'insufficient_scope',
          );
      }
    if (p.packages.length > 0 && packages.length === 0)
      throw forbidden(
        'This token is limited to some packages; so is any token it creates',
        'insufficient_scope',
      );
    const name = typeof b.name === 'string' && b.name ? b.name : 'token';
    const days = b.expires_in_days === undefined ? undefined : Number(b.expires_in_days);
    const out = await db.write(async (q) => {
      const t = await createToken(new Repository(q).tokens, {
        userId: p.userId,
        name,
        scopes,
        packages: packages as string[],
        ...(days !== undefined ? { expiresInDays: days } : {}),
      });
      await log(q, { event: 'token.create', actor: p.user, metadata: { token_id: t.id, scopes } });
      return { id: t.id, token: t.token, name, scopes, packages, expires_at: t.expires_at };
    });
    void reply.code(201);
    return out;
  });

  app.delete('/api/v1/tokens/:id', async (req: Req, reply) => {
    const p = await principal(req);
    const id = req.params.id ?? '';
    await db.write(async (q) => {
      const tokens = new Repository(q).tokens;
      const row = await tokens.get(id);
      // Someone else's token is "not found" (no oracle), unless an admin asks.
      const someoneElses = !!row && row.user_id !== p.userId;
      if (someoneElses && p.role === 'admin') requireScope(p, 'admin');
      if (!row || (someoneElses && p.role !== 'admin')) throw notFound(`Token ${id}`, 'token_not_found');
      if (row.revoked_at) return;
      await tokens.revoke(id, now());
      await log(q, { event: 'token.revoke', actor: p.user, metadata: { token_id: id } });
    });
    void reply.code(204);
  });

  // --- packages and versions -------------------------------------------------------------------------
  app.get('/api/v1/packages', async (req: Req) => {
    const { limit, after } = pagination(req.query, 20);
    const qtext = req.query.q ?? '';
    return db.read(async (q) => {
      const rows = await new Repository(q).packages.search(qtext, after ?? '', limit + 1);
      const items = rows.slice(0, limit).map((r) => ({ name: r.name, description: r.description }));
      const last = items.at(-1);
      return { items, next_cursor: rows.length > limit && last ? cursorOf(last.name) : null };
    });
  });

  app.get('/api/v1/packages/:pkg', async (req: Req) => {
    const pkg = pkgParam(req);
    const p = await optionalPrincipal(req);
    return db.read(async (q) => {
      const repo = new Repository(q);
      const row = await repo.packages.get(pkg);
      const hidden = row ? await canSeeHidden(q, p, pkg) : false;
      const versions = row
        ? (await repo.versions.inPublishOrder(pkg)).filter((v) => hidden || v.status === 'approved')
        : [];
      if (!row || versions.length === 0) throw notFound(`Package ${pkg}`, 'package_not_found');
      const tags = await repo.distTags.of(pkg);
      const owners = await repo.owners.namesOf(pkg);
      return {
        name: row.name,
        description: row.description,
        created_at: row.created_at,
        owners,
        dist_tags: Object.fromEntries(tags.map((t) => [t.tag, t.version])),
        versions: await Promise.all(versions.map((v) => versionDoc(q, v))),
      };
    });
  });

  app.get('/api/v1/packages/:pkg/versions', async (req: Req) => {
    const pkg = pkgParam(req);
    const p = await optionalPrincipal(req);
    const { limit, after } = pagination(req.query, 50);
    const includeYanked = req.query.include_yanked === 'true';
    return db.read(async (q) => {
      const hidden = await canSeeHidden(q, p, pkg);
      const rows = (await new Repository(q).versions.of(pkg))
        .filter((v) => (hidden || v.status === 'approved') && (includeYanked || v.yanked !== 1))
        .sort((a, b) => compareSemver(a.version, b.version));
      const at = after === null ? -1 : rows.findIndex((v) => v.version === after);
      if (after !== null && at < 0) throw badRequest('cursor is not valid');
      const start = at + 1;
      const page = rows.slice(start, start + limit);
      const last = page.at(-1);
      return {
        items: page.map((v) => ({
          version: v.version,
          published_at: v.published_at,
          checksum: v.checksum,
          yanked: v.yanked === 1,
          deprecated: v.deprecated,
          approval_status: v.status,
        })),
        next_cursor: start + limit < rows.length && last ? cursorOf(last.version) : null,
      };
    });
  });

  app.get('/api/v1/packages/:pkg/versions/:ver', async (req: Req) => {
    const pkg = pkgParam(req);
    const ver = verParam(req);
    const p = await optionalPrincipal(req);
    return db.read(async (q) => versionDoc(q, await visibleVersion(q, p, pkg, ver)));
  });

  app.get('/api/v1/packages/:pkg/versions/:ver/archive', async (req: Req, reply: FastifyReply) => {
    const pkg = pkgParam(req);
    const ver = verParam(req);
    const p = await optionalPrincipal(req);
    const v = await db.read((q) => visibleVersion(q, p, pkg, ver));
    const hex = v.checksum.slice('sha256:'.length);
    const etag = `"${v.checksum}"`;
    void reply
      .header('etag', etag)
      .header('repr-digest', `sha-256=:${Buffer.from(hex, 'hex').toString('base64')}:`)
      .header('x-checksum-sha256', hex)
      .header('cache-control', v.status === 'approved' ? 'public, max-age=31536000, immutable' : 'private');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    void reply.type('application/gzip').header('content-length', String(v.size));
    return reply.send(Number(v.size) <= BlobStore.CACHE_ITEM_MAX ? await blobs.read(hex) : blobs.open(hex));
  });

  app.get('/api/v1/packages/:pkg/versions/:ver/signatures', async (req: Req) => {
    const pkg = pkgParam(req);
    const ver = verParam(req);
    const p = await optionalPrincipal(req);
    return db.read(async (q) => {
      await visibleVersion(q, p, pkg, ver);
      const rows = await new Repository(q).signatures.of(pkg, ver);
      return {
        signatures: rows.map((r) => ({
          type: r.type,
          content: Buffer.from(r.content).toString('base64'),
          ...(r.identity ? { identity: r.identity } : {}),
          ...(r.fingerprint ? { fingerprint: r.fingerprint } : {}),
        })),
      };
    });
  });

  app.get('/api/v1/packages/:pkg/versions/:ver/attestations', async (req: Req) => {
    const pkg = pkgParam(req);
    const ver = verParam(req);
    const p = await optionalPrincipal(req);
    return db.read(async (q) => {
      await visibleVersion(q, p, pkg, ver);
      const rows = await new Repository(q).attestations.of(pkg, ver);
      return {
        attestations: rows.map((r) => ({
          predicate_type: PUBLISH_PREDICATE,
          media_type: DSSE_MEDIA_TYPE,
          signer: 'registry',
          keyid: r.keyid,
          envelope: JSON.parse(r.envelope) as DsseEnvelope,
        })),
      };
    });
  });

  /** Signs and stores the registry's attestation for an accepted version (inside the caller's transaction). */
  async function attest(
    q: Query,
    v: { name: string; version: string; checksum: string; publisher: string; auditIndex: number },
    approval: { approvers: string[]; at: string } | null,
  ): Promise<void> {
    const repo = new Repository(q);
    const sig = await repo.signatures.first(v.name, v.version);
    const published = await repo.versions.row(v.name, v.version);
    const statement = publishStatement({
      name: v.name,
      version: v.version,
      checksum: v.checksum,
      registry: { name: opts.name },
      publisher: { name: v.publisher, auth_method: 'token' },
      signature: sig
        ? {
            type: sig.type,
            ...(sig.identity ? { identity: sig.identity } : {}),
            ...(sig.fingerprint ? { fingerprint: sig.fingerprint } : {}),
          }
        : null,
      approval,
      published_at: published?.published_at ?? now(),
      audit: { origin: audit.origin, index: v.auditIndex },
    });
    const envelope = await opts.attestations.sign(repo.attestationKeys, statement);
    await repo.attestations.insert(
      v.name,
      v.version,
      envelope.signatures[0]!.keyid,
      JSON.stringify(envelope),
      now(),
    );
  }

  app.delete('/api/v1/packages/:pkg/versions/:ver', async (_req, reply) => {
    void reply.header('allow', 'GET, PUT');
    throw new RegistryError(405, 'use_yank', 'Published versions are never deleted: yank them (aam yank)');
  });

  // --- publish ---------------------------------------------------------------------------------------
  async function publish(req: Req, reply: FastifyReply, urlName?: string, urlVersion?: string) {
    const p = await principal(req);
    if (!req.isMultipart())
      throw new RegistryError(415, 'unsupported_media_type', 'Publish with multipart/form-data');
    let archive: Buffer | undefined;
    const fields: Record<string, string> = {};
    let signature: Buffer | undefined;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const buf = await part.toBuffer();
        if (part.fieldname === 'archive') archive = buf;
        else if (part.fieldname === 'signature') {
          if (buf.length > MAX_SIGNATURE_BYTES)
            throw new RegistryError(
              413,
              'signature_too_large',
              `A signature may be at most ${MAX_SIGNATURE_BYTES} bytes`,
            );
          signature = buf;
        } else throw badRequest(`Unexpected file part '${part.fieldname}'`);
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
    if (!archive) throw badRequest("The 'archive' part is required");
    const checksum = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
    if (fields.sha256 !== undefined && fields.sha256.replace(/^sha256:/, '') !== checksum.slice(7))
      throw new RegistryError(
        422,
        'checksum_mismatch',
        `The sha256 part says ${fields.sha256}; the archive is ${checksum}`,
      );
    let manifest: Manifest;
    try {
      ({ manifest } = await inspectArchive(archive, opts.limits));
    } catch (e) {
      if (e instanceof AamError) {
        const code = e.code === 'INVALID_MANIFEST' ? 'invalid_manifest' : 'invalid_archive';
        throw new RegistryError(422, code, e.message);
      }
      throw e;
    }
    const name = manifest.name;
    const version = manifest.version;
    if ((urlName !== undefined && urlName !== name) || (urlVersion !== undefined && urlVersion !== version))
      throw new RegistryError(
        422,
        'name_mismatch',
        `The archive is ${name}@${version}, not ${urlName ?? name}@${urlVersion ?? version}`,
      );
    const tag = fields.tag ?? 'latest';
    try {
      assertTag(tag);
    } catch {
      throw new RegistryError(422, 'invalid_tag', `'${tag.slice(0, 40)}' is not a valid tag`);
    }
    requireScope(p, 'publish', name);
    const sigType = fields.signature_type;
    if (signature && !sigType) throw badRequest("A 'signature' part needs a 'signature_type' field");
    if (sigType && !signature) throw badRequest("A 'signature_type' field needs a 'signature' part");
    if (sigType && !/^[a-z][a-z0-9-]{0,31}$/.test(sigType)) throw badRequest('signature_type is not valid');
    // Who may publish this, and is it a replay? Checked before the blob is stored (a refused upload leaves
    // nothing behind) and again inside the transaction (which decides races).
    const check = async (q: Query): Promise<VersionRow | 'new-package' | 'new-version'> => {
      const existing = await versionRow(q, name, version);
      // Versions differing only in build metadata (1.0.0+a, 1.0.0+b) are one version number: never reused.
      const core = version.split('+')[0]!;
      if (!existing) {
        const sameNumber = await new Repository(q).versions.withNumber(name, core);
        if (sameNumber !== undefined && sameNumber !== version)
          throw conflict(
            `${name}@${sameNumber} is already published; ${version} differs only in build metadata`,
            'version_exists',
          );
      }
      if (existing) {
        await requireOwner(q, p, name);
        // A retry with the very same bytes is safe to answer again; anything else is a new claim on a number.
        if (existing.checksum === checksum) return existing;
        throw conflict(
          `${name}@${version} is already published (versions are immutable; numbers are never reused)`,
          'version_exists',
        );
      }
      if (await new Repository(q).packages.exists(name)) {
        await requireOwner(q, p, name);
        return 'new-version';
      }
      if (name.startsWith('@') && p.role !== 'admin') {
        const scope = name.slice(0, name.indexOf('/') + 1);
        const scopeOwners = await new Repository(q).owners.ofScope(scope);
        if (scopeOwners.length > 0 && !scopeOwners.includes(p.userId))
          throw forbidden(`The scope ${scope.slice(0, -1)} belongs to someone else`, 'scope_forbidden');
      }
      return 'new-package';
    };
    // The author's signature, when sent, must verify over these exact bytes (offline, against the bundled or
    // configured trust roots): the registry records, and later attests, only a verified identity.
    let verifiedSig: { identity?: string; issuer?: string; fingerprint?: string } | undefined;
    if (signature && sigType) {
      const fact = await verifySignature(
        opts.verifiers,
        { bytes: archive, checksum: checksum as `sha256:${string}`, size: archive.length, name, version },
        { source: `${name}@${version} signature`, declaredType: sigType, bytes: signature },
        { keys: [], offline: true },
      );
      if (fact.valid && fact.type !== sigType)
        throw new RegistryError(
          422,
          'signature_invalid',
          `The signature is a ${fact.type} signature, not ${sigType}: declare its real type`,
        );
      if (!fact.valid)
        throw new RegistryError(
          422,
          'signature_invalid',
          `The ${sigType} signature does not verify: ${fact.errors.join('; ').slice(0, 500)}`,
        );
      verifiedSig = {
        ...(fact.identity ? { identity: fact.identity } : {}),
        ...(fact.issuer ? { issuer: fact.issuer } : {}),
        ...(fact.fingerprint ? { fingerprint: fact.fingerprint } : {}),
      };
    }
    const pre = await db.read(check);
    if (typeof pre !== 'string') {
      void reply.code(200);
      return {
        name,
        version,
        checksum,
        status: pre.status,
        replay: true,
        audit_index: Number(pre.audit_index),
      };
    }
    // The blob lands first (idempotent, content-addressed); the version exists only once the transaction
    // commits, so a crash in between leaves an unreferenced blob and nothing else.
    await blobs.put(checksum.slice(7), archive);
    const result = await db.write(async (q) => {
      const repo = new Repository(q);
      const state = await check(q);
      if (typeof state !== 'string') return { replay: true as const, existing: state };
      if (state === 'new-package') {
        await repo.packages.insert(name, manifest.description, now());
        await repo.owners.add(name, p.userId);
      }
      const status = opts.requireApproval ? 'pending' : 'approved';
      const entry = await log(q, {
        event: 'package.publish',
        actor: p.user,
        package: `${name}@${version}`,
        metadata: { tag, checksum, signature: sigType ?? null, status },
      });
      await repo.versions.insert({
        package: name,
        version,
        checksum,
        size: archive!.length,
        description: manifest.description,
        dependencies: manifest.dependencies ? JSON.stringify(manifest.dependencies) : null,
        publishedAt: now(),
        publisherId: p.userId,
        authMethod: 'token',
        status,
        requestedTag: tag,
        auditIndex: entry.index,
      });
      if (opts.faults) await opts.faults.reached('publish:after-version-insert');
      if (signature && sigType)
        await repo.signatures.insert({
          package: name,
          version,
          type: sigType,
          content: signature,
          identity: verifiedSig?.identity ?? null,
          fingerprint: verifiedSig?.fingerprint ?? null,
        });
      const tags = status === 'approved' ? await approvedTags(q, name, tag, version) : [];
      if (status === 'approved')
        await attest(q, { name, version, checksum, publisher: p.user, auditIndex: entry.index }, null);
      await repo.packages.setDescription(name, manifest.description);
      return { replay: false as const, status, entry, tags };
    });
    if (result.replay) {
      void reply.code(200);
      return {
        name,
        version,
        checksum,
        status: result.existing.status,
        replay: true,
        audit_index: Number(result.existing.audit_index),
      };
    }
    const inclusion = await db.read((q) => audit.inclusion(q, result.entry.index, result.entry.size));
    void reply
      .code(result.status === 'pending' ? 202 : 201)
      .header('location', `/api/v1/packages/${name}/versions/${version}`);
    return {
      name,
      version,
      checksum,
      status: result.status,
      tags: result.tags,
      audit: {
        index: result.entry.index,
        checkpoint: result.entry.checkpoint,
        inclusion_proof: inclusion.map((h) => h.toString('base64')),
      },
    };
  }

  /** The requested tag moves; a package's first version also becomes `latest` (as in a local registry). */
  async function approvedTags(q: Query, pkg: string, tag: string, version: string): Promise<string[]> {
    const tags = new Repository(q).distTags;
    await tags.set(pkg, tag, version);
    if (tag !== 'latest' && (await tags.versionOf(pkg, 'latest')) === undefined) {
      await tags.set(pkg, 'latest', version);
      return [tag, 'latest'];
    }
    return [tag];
  }

  // Publishes get their own, lower rate limit.
  const publishLimit = { config: { rateLimit: { max: opts.rateLimit.publish, timeWindow: 60_000 } } };
  app.put('/api/v1/packages/:pkg/versions/:ver', publishLimit, async (req: Req, reply) =>
    publish(req, reply, pkgParam(req), verParam(req)),
  );
  app.post('/api/v1/packages', publishLimit, async (req: Req, reply) => publish(req, reply));

  // --- yank, deprecate ---------------------------------------------------------------------------------
  async function versionMutation(
    req: Req,
    scope: Scope,
    fn: (
      q: Query,
      v: VersionRow,
      record: (event: AuditEvent['event'], metadata: Record<string, unknown>) => Promise<number>,
    ) => Promise<Record<string, unknown>>,
  ) {
    const pkg = pkgParam(req);
    const ver = verParam(req);
    const p = await principal(req);
    requireScope(p, scope, pkg);
    return db.write(async (q) => {
      await requireOwner(q, p, pkg);
      const v = await versionRow(q, pkg, ver);
      if (!v) throw notFound(`${pkg}@${ver}`, 'version_not_found');
      // The audit entry for a change to this version, by this caller: returns its index.
      const record = async (event: AuditEvent['event'], metadata: Record<string, unknown>) =>
        (await log(q, { event, actor: p.user, package: `${v.package}@${v.version}`, metadata })).index;
      return fn(q, v, record);
    });
  }

  app.put('/api/v1/packages/:pkg/versions/:ver/yank', async (req: Req) =>
    versionMutation(req, 'yank', async (q, v, record) => {
      const reason = bodyObject(req).reason;
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 280))
        throw badRequest('reason must be a string of at most 280 characters');
      if (v.yanked === 1) return { yanked: true, changed: false };
      await new Repository(q).versions.yank(v.package, v.version, reason ?? null, now());
      const index = await record('version.yank', { reason: reason ?? null });
      return { yanked: true, changed: true, audit_index: index };
    }),
  );

  app.delete('/api/v1/packages/:pkg/versions/:ver/yank', async (req: Req) =>
    versionMutation(req, 'yank', async (q, v, record) => {
      if (v.yanked !== 1) return { yanked: false, changed: false };
      await new Repository(q).versions.unyank(v.package, v.version);
      const index = await record('version.unyank', {});
      return { yanked: false, changed: true, audit_index: index };
    }),
  );

  app.put('/api/v1/packages/:pkg/versions/:ver/deprecation', async (req: Req) =>
    versionMutation(req, 'yank', async (q, v, record) => {
      const message = bodyObject(req).message;
      if (typeof message !== 'string' || message.length === 0 || message.length > 280)
        throw badRequest('message must be 1-280 characters');
      await new Repository(q).versions.deprecate(v.package, v.version, message);
      const index = await record('version.deprecate', { message });
      return { deprecated: message, audit_index: index };
    }),
  );

  app.delete('/api/v1/packages/:pkg/versions/:ver/deprecation', async (req: Req) =>
    versionMutation(req, 'yank', async (q, v, record) => {
      if (v.deprecated === null) return { deprecated: null, changed: false };
      await new Repository(q).versions.undeprecate(v.package, v.version);
      const index = await record('version.deprecate', { message: null });
      return { deprecated: null, changed: true, audit_index: index };
    }),
  );

  // --- dist-tags ---------------------------------------------------------------------------------------
  app.get('/api/v1/packages/:pkg/dist-tags', async (req: Req) => {
    const pkg = pkgParam(req);
    const rows = await db.read((q) => new Repository(q).distTags.of(pkg));
    if (rows.length === 0) throw notFound(`Package ${pkg}`, 'package_not_found');
    return Object.fromEntries(rows.map((r) => [r.tag, r.version]));
  });

  app.put('/api/v1/packages/:pkg/dist-tags/:tag', async (req: Req) => {
    const pkg = pkgParam(req);
    const tag = req.params.tag ?? '';
    try {
      assertTag(tag);
    } catch {
      throw new RegistryError(422, 'invalid_tag', `'${tag.slice(0, 40)}' is not a valid tag`);
    }
    const version = bodyObject(req).version;
    if (typeof version !== 'string' || !isSemver(version))
      throw badRequest('version must be a semver version');
    const p = await principal(req);
    requireScope(p, 'tag', pkg);
    return db.write(async (q) => {
      await requireOwner(q, p, pkg);
      const v = await versionRow(q, pkg, version);
      if (!v) throw notFound(`${pkg}@${version}`, 'version_not_found');
      if (v.yanked === 1 || v.status !== 'approved')
        throw conflict(
          `${pkg}@${version} is ${v.yanked === 1 ? 'yanked' : v.status}: a tag cannot point at it`,
        );
      await new Repository(q).distTags.set(pkg, tag, version);
      const e = await log(q, { event: 'tag.set', actor: p.user, package: pkg, metadata: { tag, version } });
      return { tag, version, audit_index: e.index };
    });
  });

  app.delete('/api/v1/packages/:pkg/dist-tags/:tag', async (req: Req, reply) => {
    const pkg = pkgParam(req);
    const tag = req.params.tag ?? '';
    const p = await principal(req);
    requireScope(p, 'tag', pkg);
    await db.write(async (q) => {
      await requireOwner(q, p, pkg);
      if (tag === 'latest') throw conflict("The 'latest' tag cannot be removed: point it elsewhere");
      const tags = new Repository(q).distTags;
      const version = await tags.versionOf(pkg, tag);
      if (version === undefined) throw notFound(`Tag ${tag} of ${pkg}`, 'tag_not_found');
      await tags.remove(pkg, tag);
      await log(q, { event: 'tag.remove', actor: p.user, package: pkg, metadata: { tag, version } });
    });
    void reply.code(204);
  });

  // --- approvals ---------------------------------------------------------------------------------------
  app.get('/api/v1/approvals', async (req: Req) => {
    const p = await principal(req);
    requireScope(p, 'approve');
    if (p.role !== 'approver' && p.role !== 'admin') throw forbidden('Only approvers see the approval queue');
    const rows = await db.read((q) => new Repository(q).versions.pending());
    return {
      items: rows.map((v) => ({
        name: v.package,
        version: v.version,
        checksum: v.checksum,
        published_at: v.published_at,
      })),
    };
  });

  app.post('/api/v1/packages/:pkg/versions/:ver/approvals', async (req: Req, reply) => {
    const pkg = pkgParam(req);
    const ver = verParam(req);
    const p = await principal(req);
    requireScope(p, 'approve', pkg);
    if (p.role !== 'approver' && p.role !== 'admin') throw forbidden('Only approvers may approve or reject');
    const b = bodyObject(req);
    const decision = b.decision;
    if (decision !== 'approve' && decision !== 'reject')
      throw badRequest("decision must be 'approve' or 'reject'");
    const comment = typeof b.comment === 'string' ? b.comment.slice(0, 1000) : null;
    const out = await db.write(async (q) => {
      const v = await versionRow(q, pkg, ver);
      if (!v) throw notFound(`${pkg}@${ver}`, 'version_not_found');
      if (v.status !== 'pending') throw conflict(`${pkg}@${ver} was already ${v.status}`);
      if (v.publisher_id === p.userId) throw forbidden('Nobody approves their own publish', 'self_approval');
      const status = decision === 'approve' ? 'approved' : 'rejected';
      const repo = new Repository(q);
      await repo.versions.setStatus(pkg, ver, status);
      await repo.approvals.insert({
        package: pkg,
        version: ver,
        userId: p.userId,
        decision,
        comment,
        at: now(),
      });
      if (status === 'approved') {
        // A version yanked while it waited is approved, but no tag moves to it.
        if (v.yanked !== 1) await approvedTags(q, pkg, v.requested_tag, ver);
        const publisher = await repo.users.nameOf(v.publisher_id);
        await attest(
          q,
          {
            name: pkg,
            version: ver,
            checksum: v.checksum,
            publisher: publisher ?? 'unknown',
            auditIndex: Number(v.audit_index),
          },
          { approvers: [p.user], at: now() },
        );
      }
      const e = await log(q, {
        event: decision === 'approve' ? 'version.approve' : 'version.reject',
        actor: p.user,
        package: `${pkg}@${ver}`,
        metadata: { comment, ...(status === 'approved' ? { tag: v.requested_tag } : {}) },
      });
      return { name: pkg, version: ver, approval_status: status, audit_index: e.index };
    });
    void reply.code(201);
    return out;
  });

  // --- owners and transfers -------------------------------------------------------------------------
  app.get('/api/v1/packages/:pkg/owners', async (req: Req) => {
    const pkg = pkgParam(req);
    const p = await optionalPrincipal(req);
    return db.read(async (q) => {
      const repo = new Repository(q);
      const visible = (await repo.versions.anyApproved(pkg)) || (await canSeeHidden(q, p, pkg));
      const owners = await repo.owners.namesOf(pkg);
      if (owners.length === 0 || !visible) throw notFound(`Package ${pkg}`, 'package_not_found');
      return { owners };
    });
  });

  const userByName = async (q: Query, name: string) => {
    const u = await new Repository(q).users.byName(name);
    if (!u) throw notFound(`User ${name}`, 'user_not_found');
    return u;
  };

  app.put('/api/v1/packages/:pkg/owners/:user', async (req: Req) => {
    const pkg = pkgParam(req);
    const p = await principal(req);
    requireScope(p, 'owner', pkg);
    return db.write(async (q) => {
      await requireOwner(q, p, pkg);
      const u = await userByName(q, req.params.user ?? '');
      if ((await ownersOf(q, pkg)).includes(u.id)) return { owners: 'unchanged' };
      await new Repository(q).owners.add(pkg, u.id);
      const e = await log(q, { event: 'owner.add', actor: p.user, package: pkg, metadata: { user: u.name } });
      return { added: u.name, audit_index: e.index };
    });
  });

  app.delete('/api/v1/packages/:pkg/owners/:user', async (req: Req, reply) => {
    const pkg = pkgParam(req);
    const p = await principal(req);
    requireScope(p, 'owner', pkg);
    await db.write(async (q) => {
      await requireOwner(q, p, pkg);
      const u = await userByName(q, req.params.user ?? '');
      const owners = await ownersOf(q, pkg);
      if (!owners.includes(u.id)) throw notFound(`Owner ${u.name} of ${pkg}`, 'owner_not_found');
      if (owners.length === 1)
        throw conflict('The last owner cannot be removed: transfer the package instead');
      const repo = new Repository(q);
      await repo.owners.remove(pkg, u.id);
      await repo.transfers.cancelOffersFrom(pkg, u.id);
      await log(q, { event: 'owner.remove', actor: p.user, package: pkg, metadata: { user: u.name } });
    });
    void reply.code(204);
  });

  app.post('/api/v1/packages/:pkg/ownership-transfers', async (req: Req, reply) => {
    const pkg = pkgParam(req);
    const p = await principal(req);
    requireScope(p, 'owner', pkg);
    const to = bodyObject(req).to;
    if (typeof to !== 'string') throw badRequest("'to' (a user name) is required");
    const out = await db.write(async (q) => {
      await requireOwner(q, p, pkg);
      const u = await userByName(q, to);
      if (u.id === p.userId) throw badRequest('You already own it');
      const id = randomUUID();
      const created = new Date();
      await new Repository(q).transfers.insert({
        id,
        package: pkg,
        fromUser: p.userId,
        toUser: u.id,
        createdAt: created.toISOString(),
        expiresAt: new Date(created.getTime() + 7 * 24 * 3600_000).toISOString(),
      });
      return { id, status: 'pending', package: pkg, to: u.name };
    });
    void reply.code(202);
    return out;
  });

  app.get('/api/v1/ownership-transfers', async (req: Req) => {
    const p = await principal(req);
    const rows = await db.read((q) => new Repository(q).transfers.pendingFor(p.userId));
    return {
      items: rows.map((r) => ({
        id: r.id,
        package: r.package,
        from: r.from_name,
        to: r.to_name,
        expires_at: r.expires_at,
      })),
    };
  });

  const decideTransfer = (accept: boolean) => async (req: Req) => {
    const p = await principal(req);
    requireScope(p, 'owner');
    const id = req.params.id ?? '';
    return db.write(async (q) => {
      const repo = new Repository(q);
      const t = await repo.transfers.get(id);
      if (!t || t.to_user !== p.userId) throw notFound(`Transfer ${id}`, 'transfer_not_found');
      // An offer is only as good as its maker's ownership: a removed owner's offers are void.
      if (!(await ownersOf(q, t.package)).includes(t.from_user))
        throw conflict('The owner who offered this transfer no longer owns the package');
      if (t.status !== 'pending') throw conflict(`The transfer was already ${t.status}`);
      if (Date.parse(t.expires_at) <= Date.now()) throw conflict('The transfer offer has expired');
      await repo.transfers.setStatus(id, accept ? 'accepted' : 'declined');
      if (!accept) return { id, status: 'declined' };
      requireScope(p, 'owner', t.package);
      await repo.owners.remove(t.package, t.from_user);
      const owners = await ownersOf(q, t.package);
      if (!owners.includes(p.userId)) await repo.owners.add(t.package, p.userId);
      const from = await repo.users.nameOf(t.from_user);
      const e = await log(q, {
        event: 'ownership.transfer',
        actor: p.user,
        package: t.package,
        metadata: { from: from ?? null, to: p.user },
      });
      return { id, status: 'accepted', package: t.package, audit_index: e.index };
    });
  };
  app.delete('/api/v1/ownership-transfers/:id', async (req: Req, reply) => {
    const p = await principal(req);
    requireScope(p, 'owner');
    const id = req.params.id ?? '';
    await db.write(async (q) => {
      const transfers = new Repository(q).transfers;
      const t = await transfers.get(id);
      if (!t || t.from_user !== p.userId) throw notFound(`Transfer ${id}`, 'transfer_not_found');
      if (t.status !== 'pending') throw conflict(`The transfer was already ${t.status}`);
      await transfers.setStatus(id, 'cancelled');
    });
    void reply.code(204);
  });
  app.post('/api/v1/ownership-transfers/:id/accept', decideTransfer(true));
  app.post('/api/v1/ownership-transfers/:id/decline', decideTransfer(false));

  return app;
}

const now = (): string => new Date().toISOString();
