import type { Principal } from '../auth.js';
import { forbidden, notFound } from '../problem.js';
import type { Repository, VersionRow } from '../repository/index.js';

/** Owners, approvers and admins see pending and rejected versions; everyone else gets 404 for them. */
export async function canSeeHidden(
  repo: Repository,
  p: Principal | undefined,
  pkg: string,
): Promise<boolean> {
  return (
    !!p && (p.role === 'admin' || p.role === 'approver' || (await repo.owners.of(pkg)).includes(p.userId))
  );
}

/** 404 for a package without owners (none such), 403 unless the caller owns it; admins own every package. */
export async function requireOwner(repo: Repository, p: Principal, pkg: string): Promise<void> {
  if (p.role === 'admin') return;
  const owners = await repo.owners.of(pkg);
  if (owners.length === 0) throw notFound(`Package ${pkg}`, 'package_not_found');
  if (!owners.includes(p.userId)) throw forbidden(`Only an owner of ${pkg} may do this`);
}

/** 404 unless the package exists (`requireOwner` lets admins through without looking). */
export async function requirePackage(repo: Repository, pkg: string): Promise<void> {
  if (!(await repo.packages.exists(pkg))) throw notFound(`Package ${pkg}`, 'package_not_found');
}

/** The version, if the caller may see it; 404 otherwise (hidden ones are not admitted to exist). */
export async function visibleVersion(
  repo: Repository,
  p: Principal | undefined,
  pkg: string,
  ver: string,
): Promise<VersionRow> {
  const v = await repo.versions.row(pkg, ver);
  if (!v || (v.status !== 'approved' && !(await canSeeHidden(repo, p, pkg))))
    throw notFound(`${pkg}@${ver}`, 'version_not_found');
  return v;
}
