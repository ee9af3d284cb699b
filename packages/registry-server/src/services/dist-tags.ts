import { requireScope, type Principal } from '../auth.js';
import { conflict, notFound } from '../problem.js';
import { Repository } from '../repository/index.js';
import { requireOwner } from './access.js';
import type { RegistryContext } from './context.js';

/** A package's tags as `{ tag: version }` (404 for a package without any). */
export async function distTags(ctx: RegistryContext, pkg: string): Promise<Record<string, string>> {
  const rows = await ctx.db.read((q) => new Repository(q).distTags.of(pkg));
  if (rows.length === 0) throw notFound(`Package ${pkg}`, 'package_not_found');
  return Object.fromEntries(rows.map((r) => [r.tag, r.version]));
}

/** Points a tag at an approved, unyanked version. Owners only. */
export async function setDistTag(
  ctx: RegistryContext,
  p: Principal,
  pkg: string,
  tag: string,
  version: string,
) {
  requireScope(p, 'tag', pkg);
  return ctx.db.write(async (q) => {
    const repo = new Repository(q);
    await requireOwner(repo, p, pkg);
    const v = await repo.versions.row(pkg, version);
    if (!v) throw notFound(`${pkg}@${version}`, 'version_not_found');
    if (v.yanked === 1 || v.status !== 'approved')
      throw conflict(
        `${pkg}@${version} is ${v.yanked === 1 ? 'yanked' : v.status}: a tag cannot point at it`,
      );
    await repo.distTags.set(pkg, tag, version);
    const e = await ctx.audit.append(q, {
      event: 'tag.set',
      actor: p.user,
      package: pkg,
      metadata: { tag, version },
    });
    return { tag, version, audit_index: e.index };
  });
}

/** Removes a tag (never `latest`). Owners only. */
export async function removeDistTag(
  ctx: RegistryContext,
  p: Principal,
  pkg: string,
  tag: string,
): Promise<void> {
  requireScope(p, 'tag', pkg);
  await ctx.db.write(async (q) => {
    const repo = new Repository(q);
    await requireOwner(repo, p, pkg);
    if (tag === 'latest') throw conflict("The 'latest' tag cannot be removed: point it elsewhere");
    const version = await repo.distTags.versionOf(pkg, tag);
    if (version === undefined) throw notFound(`Tag ${tag} of ${pkg}`, 'tag_not_found');
    await repo.distTags.remove(pkg, tag);
    await ctx.audit.append(q, {
      event: 'tag.remove',
      actor: p.user,
      package: pkg,
      metadata: { tag, version },
    });
  });
}

/**
 * The tags that move when a version is accepted (inside the caller's transaction): the requested one; a
 * package's first version also becomes `latest` (as in a local registry).
 */
export async function tagsOnApproval(
  repo: Repository,
  pkg: string,
  tag: string,
  version: string,
): Promise<string[]> {
  await repo.distTags.set(pkg, tag, version);
  if (tag !== 'latest' && (await repo.distTags.versionOf(pkg, 'latest')) === undefined) {
    await repo.distTags.set(pkg, 'latest', version);
    return [tag, 'latest'];
  }
  return [tag];
}
