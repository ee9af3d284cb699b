import { requireScope, type Principal } from '../auth.js';
import { conflict, notFound } from '../problem.js';
import { Repository } from '../repository/index.js';
import { canSeeHidden, requireOwner, requirePackage } from './access.js';
import type { RegistryContext } from './context.js';

/** A user by name, or 404. */
export async function knownUser(repo: Repository, name: string): Promise<{ id: string; name: string }> {
  const u = await repo.users.byName(name);
  if (!u) throw notFound(`User ${name}`, 'user_not_found');
  return u;
}

/** A package's owners, if the caller may see the package. */
export async function packageOwners(ctx: RegistryContext, p: Principal | undefined, pkg: string) {
  return ctx.db.read(async (q) => {
    const repo = new Repository(q);
    const visible = (await repo.versions.anyApproved(pkg)) || (await canSeeHidden(repo, p, pkg));
    const owners = await repo.owners.namesOf(pkg);
    if (owners.length === 0 || !visible) throw notFound(`Package ${pkg}`, 'package_not_found');
    return { owners };
  });
}

/** Adds an owner (adding one twice changes nothing). Owners only. */
export async function addOwner(ctx: RegistryContext, p: Principal, pkg: string, user: string) {
  requireScope(p, 'owner', pkg);
  return ctx.db.write(async (q) => {
    const repo = new Repository(q);
    await requireOwner(repo, p, pkg);
    await requirePackage(repo, pkg);
    const u = await knownUser(repo, user);
    if ((await repo.owners.of(pkg)).includes(u.id)) return { owners: 'unchanged' };
    await repo.owners.add(pkg, u.id);
    const e = await ctx.audit.append(q, {
      event: 'owner.add',
      actor: p.user,
      package: pkg,
      metadata: { user: u.name },
    });
    return { added: u.name, audit_index: e.index };
  });
}

/** Removes an owner, never the last one; their pending transfer offers for the package are void. Owners only. */
export async function removeOwner(
  ctx: RegistryContext,
  p: Principal,
  pkg: string,
  user: string,
): Promise<void> {
  requireScope(p, 'owner', pkg);
  await ctx.db.write(async (q) => {
    const repo = new Repository(q);
    await requireOwner(repo, p, pkg);
    const u = await knownUser(repo, user);
    const owners = await repo.owners.of(pkg);
    if (!owners.includes(u.id)) throw notFound(`Owner ${u.name} of ${pkg}`, 'owner_not_found');
    if (owners.length === 1) throw conflict('The last owner cannot be removed: transfer the package instead');
    await repo.owners.remove(pkg, u.id);
    await repo.transfers.cancelOffersFrom(pkg, u.id);
    await ctx.audit.append(q, {
      event: 'owner.remove',
      actor: p.user,
      package: pkg,
      metadata: { user: u.name },
    });
  });
}
