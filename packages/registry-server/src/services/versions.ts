import type { AuditEvent } from '@aam/core';
import { requireScope, type Principal } from '../auth.js';
import { jsonObject } from '../input.js';
import { badRequest, notFound } from '../problem.js';
import { Repository, type VersionRow } from '../repository/index.js';
import { requireOwner } from './access.js';
import { now, type RegistryContext } from './context.js';

/** Records the audit entry for a change to the version being changed, by its caller; returns its index. */
type Record = (event: AuditEvent['event'], metadata: { [key: string]: unknown }) => Promise<number>;

/**
 * A change to one version by an owner (the `yank` scope covers yank and deprecation), in one transaction with
 * its audit entry. The body is read only once the caller may change the version and the version exists.
 */
async function changeVersion<T>(
  ctx: RegistryContext,
  p: Principal,
  pkg: string,
  ver: string,
  change: (repo: Repository, v: VersionRow, record: Record) => Promise<T>,
): Promise<T> {
  requireScope(p, 'yank', pkg);
  return ctx.db.write(async (q) => {
    const repo = new Repository(q);
    await requireOwner(repo, p, pkg);
    const v = await repo.versions.row(pkg, ver);
    if (!v) throw notFound(`${pkg}@${ver}`, 'version_not_found');
    const record: Record = async (event, metadata) =>
      (await ctx.audit.append(q, { event, actor: p.user, package: `${v.package}@${v.version}`, metadata }))
        .index;
    return change(repo, v, record);
  });
}

/** Yanks a version (with an optional reason): ranges skip it, exact pins still resolve. */
export function yankVersion(ctx: RegistryContext, p: Principal, pkg: string, ver: string, body: unknown) {
  return changeVersion(ctx, p, pkg, ver, async (repo, v, record) => {
    const reason = jsonObject(body).reason;
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 280))
      throw badRequest('reason must be a string of at most 280 characters');
    if (v.yanked === 1) return { yanked: true, changed: false };
    await repo.versions.yank(v.package, v.version, reason ?? null, now());
    const index = await record('version.yank', { reason: reason ?? null });
    return { yanked: true, changed: true, audit_index: index };
  });
}

/** Takes a yank back. */
export function unyankVersion(ctx: RegistryContext, p: Principal, pkg: string, ver: string) {
  return changeVersion(ctx, p, pkg, ver, async (repo, v, record) => {
    if (v.yanked !== 1) return { yanked: false, changed: false };
    await repo.versions.unyank(v.package, v.version);
    const index = await record('version.unyank', {});
    return { yanked: false, changed: true, audit_index: index };
  });
}

/** Marks a version deprecated with a message for its users. */
export function deprecateVersion(
  ctx: RegistryContext,
  p: Principal,
  pkg: string,
  ver: string,
  body: unknown,
) {
  return changeVersion(ctx, p, pkg, ver, async (repo, v, record) => {
    const message = jsonObject(body).message;
    if (typeof message !== 'string' || message.length === 0 || message.length > 280)
      throw badRequest('message must be 1-280 characters');
    await repo.versions.deprecate(v.package, v.version, message);
    const index = await record('version.deprecate', { message });
    return { deprecated: message, audit_index: index };
  });
}

/** Takes a deprecation back. */
export function undeprecateVersion(ctx: RegistryContext, p: Principal, pkg: string, ver: string) {
  return changeVersion(ctx, p, pkg, ver, async (repo, v, record) => {
    if (v.deprecated === null) return { deprecated: null, changed: false };
    await repo.versions.undeprecate(v.package, v.version);
    const index = await record('version.deprecate', { message: null });
    return { deprecated: null, changed: true, audit_index: index };
  });
}
