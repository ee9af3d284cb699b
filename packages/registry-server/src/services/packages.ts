import type { Readable } from 'node:stream';
import { compareSemver } from '@aam/core';
import { DSSE_MEDIA_TYPE, PUBLISH_PREDICATE, type DsseEnvelope } from '@aam/plugin-attestation/format';
import type { Principal } from '../auth.js';
import { cursorOf, type Page } from '../input.js';
import { badRequest, notFound, RegistryError } from '../problem.js';
import { Repository, type VersionRow } from '../repository/index.js';
import { canSeeHidden, visibleVersion } from './access.js';
import type { RegistryContext } from './context.js';

/** Packages with an approved version whose name or description contains `text`, by name. */
export async function searchPackages(ctx: RegistryContext, text: string, { limit, after }: Page) {
  const rows = await ctx.db.read((q) => new Repository(q).packages.search(text, after ?? '', limit + 1));
  const items = rows
    .slice(0, limit)
    .map((r) => ({ name: r.name, description: r.description, ...(r.latest ? { latest: r.latest } : {}) }));
  const last = items.at(-1);
  return { items, next_cursor: rows.length > limit && last ? cursorOf(last.name) : null };
}

/**
 * A package with its owners, tags and every version the caller may see. 404 `package_not_found` when there is
 * no such package; 404 `package_not_visible` when there is one but the caller may see none of its versions
 * (pending approval, rejected): a client must know the name is taken here, so that it never takes it from
 * another registry (dependency confusion). Publishes are in the public audit log anyway.
 */
export async function packageDocument(ctx: RegistryContext, p: Principal | undefined, pkg: string) {
  return ctx.db.read(async (q) => {
    const repo = new Repository(q);
    const row = await repo.packages.get(pkg);
    const hidden = row ? await canSeeHidden(repo, p, pkg) : false;
    const versions = row
      ? (await repo.versions.inPublishOrder(pkg)).filter((v) => hidden || v.status === 'approved')
      : [];
    if (!row) throw notFound(`Package ${pkg}`, 'package_not_found');
    if (versions.length === 0)
      throw new RegistryError(
        404,
        'package_not_visible',
        `Package ${pkg} exists, with no version you may see (pending approval or rejected)`,
      );
    const tags = await repo.distTags.of(pkg);
    const owners = await repo.owners.namesOf(pkg);
    return {
      name: row.name,
      description: row.description,
      created_at: row.created_at,
      owners,
      dist_tags: Object.fromEntries(tags.map((t) => [t.tag, t.version])),
      versions: await Promise.all(versions.map((v) => versionDocument(repo, v))),
    };
  });
}

/** A page of a package's versions the caller may see, in SemVer order (yanked ones only if asked for). */
export async function versionList(
  ctx: RegistryContext,
  p: Principal | undefined,
  pkg: string,
  { limit, after }: Page,
  includeYanked: boolean,
) {
  return ctx.db.read(async (q) => {
    const repo = new Repository(q);
    const hidden = await canSeeHidden(repo, p, pkg);
    const rows = (await repo.versions.of(pkg))
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
}

/** One version's document, if the caller may see it. */
export async function visibleVersionDocument(
  ctx: RegistryContext,
  p: Principal | undefined,
  pkg: string,
  ver: string,
) {
  return ctx.db.read(async (q) => {
    const repo = new Repository(q);
    return versionDocument(repo, await visibleVersion(repo, p, pkg, ver));
  });
}

async function versionDocument(repo: Repository, v: VersionRow) {
  return {
    name: v.package,
    version: v.version,
    description: v.description,
    checksum: v.checksum,
    size: Number(v.size),
    published_at: v.published_at,
    publisher: await repo.users.nameOf(v.publisher_id),
    auth_method: v.auth_method,
    dependencies: v.dependencies ? (JSON.parse(v.dependencies) as Record<string, string>) : {},
    yanked: v.yanked === 1,
    ...(v.yanked === 1 ? { yank: { reason: v.yank_reason, at: v.yanked_at } } : {}),
    deprecated: v.deprecated,
    approval_status: v.status,
    audit_index: Number(v.audit_index),
    signatures: (await repo.signatures.summaries(v.package, v.version)).map((s) => ({
      type: s.type,
      ...(s.identity ? { identity: s.identity } : {}),
      ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}),
    })),
    archive_url: `/api/v1/packages/${v.package}/versions/${v.version}/archive`,
  };
}

/** A version's archive, ready to send: what its headers need, and its bytes on demand. */
export interface ArchiveDownload {
  checksum: string;
  size: number;
  /** Approved archives are immutable for everyone; a pending one is for its owners' and approvers' eyes only. */
  approved: boolean;
  contents(): Promise<Buffer | Readable>;
}

/**
 * Approved versions' archive facts, per registry context (so per process): approval is final (only a pending
 * version changes status) and a version's checksum never changes, so an approved version's download needs no
 * database read after the first. Anyone may download an approved version, so the cache holds no access decision.
 * Bounded; forgetting costs one read.
 */
const approvedArchives = new WeakMap<RegistryContext, Map<string, { checksum: string; size: number }>>();
const APPROVED_ARCHIVES_MAX = 10_000;

/** The archive of a version the caller may see. */
export async function archiveDownload(
  ctx: RegistryContext,
  p: Principal | undefined,
  pkg: string,
  ver: string,
): Promise<ArchiveDownload> {
  let cache = approvedArchives.get(ctx);
  if (!cache) approvedArchives.set(ctx, (cache = new Map()));
  const key = `${pkg}@${ver}`;
  let facts = cache.get(key);
  if (!facts) {
    const v = await ctx.db.read((q) => visibleVersion(new Repository(q), p, pkg, ver));
    facts = { checksum: v.checksum, size: Number(v.size) };
    if (v.status !== 'approved')
      return { ...facts, approved: false, contents: () => ctx.blobs.contents(v.checksum.slice(7)) };
    if (cache.size >= APPROVED_ARCHIVES_MAX) cache.clear();
    cache.set(key, facts);
  }
  const hex = facts.checksum.slice('sha256:'.length);
  return { ...facts, approved: true, contents: () => ctx.blobs.contents(hex) };
}

/** The authors' signatures of a version the caller may see, with their bytes. */
export async function signatureDocuments(
  ctx: RegistryContext,
  p: Principal | undefined,
  pkg: string,
  ver: string,
) {
  return ctx.db.read(async (q) => {
    const repo = new Repository(q);
    await visibleVersion(repo, p, pkg, ver);
    const rows = await repo.signatures.of(pkg, ver);
    return {
      signatures: rows.map((r) => ({
        type: r.type,
        content: Buffer.from(r.content).toString('base64'),
        ...(r.identity ? { identity: r.identity } : {}),
        ...(r.fingerprint ? { fingerprint: r.fingerprint } : {}),
      })),
    };
  });
}

/** The registry's attestations of a version the caller may see. */
export async function attestationDocuments(
  ctx: RegistryContext,
  p: Principal | undefined,
  pkg: string,
  ver: string,
) {
  return ctx.db.read(async (q) => {
    const repo = new Repository(q);
    await visibleVersion(repo, p, pkg, ver);
    const rows = await repo.attestations.of(pkg, ver);
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
}
