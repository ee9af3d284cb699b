import { randomUUID } from 'node:crypto';
import { requireScope, type Principal } from '../auth.js';
import { jsonObject } from '../input.js';
import { badRequest, conflict, notFound } from '../problem.js';
import { Repository } from '../repository/index.js';
import { requireOwner, requirePackage } from './access.js';
import type { RegistryContext } from './context.js';
import { knownUser } from './owners.js';

const OFFER_DAYS = 7;

/** An owner offers the package to another user; the offer stands for a week. */
export async function offerTransfer(ctx: RegistryContext, p: Principal, pkg: string, body: unknown) {
  requireScope(p, 'owner', pkg);
  const to = jsonObject(body).to;
  if (typeof to !== 'string') throw badRequest("'to' (a user name) is required");
  return ctx.db.write(async (q) => {
    const repo = new Repository(q);
    await requireOwner(repo, p, pkg);
    await requirePackage(repo, pkg);
    const u = await knownUser(repo, to);
    if (u.id === p.userId) throw badRequest('You already own it');
    const id = randomUUID();
    const created = new Date();
    await repo.transfers.insert({
      id,
      package: pkg,
      fromUser: p.userId,
      toUser: u.id,
      createdAt: created.toISOString(),
      expiresAt: new Date(created.getTime() + OFFER_DAYS * 24 * 3600_000).toISOString(),
    });
    return { id, status: 'pending', package: pkg, to: u.name };
  });
}

/** The pending offers the caller made or received. */
export async function pendingTransfers(ctx: RegistryContext, p: Principal) {
  const rows = await ctx.db.read((q) => new Repository(q).transfers.pendingFor(p.userId));
  return {
    items: rows.map((r) => ({
      id: r.id,
      package: r.package,
      from: r.from_name,
      to: r.to_name,
      expires_at: r.expires_at,
    })),
  };
}

/** The receiver accepts an offer: the package moves from its maker to them (an audit event). */
export function acceptTransfer(ctx: RegistryContext, p: Principal, id: string) {
  return answerTransfer(ctx, p, id, true);
}

/** The receiver declines an offer. */
export function declineTransfer(ctx: RegistryContext, p: Principal, id: string) {
  return answerTransfer(ctx, p, id, false);
}

async function answerTransfer(ctx: RegistryContext, p: Principal, id: string, accept: boolean) {
  requireScope(p, 'owner');
  return ctx.db.write(async (q) => {
    const repo = new Repository(q);
    const t = await repo.transfers.get(id);
    if (!t || t.to_user !== p.userId) throw notFound(`Transfer ${id}`, 'transfer_not_found');
    // An offer is only as good as its maker's ownership: a removed owner's offers are void.
    if (!(await repo.owners.of(t.package)).includes(t.from_user))
      throw conflict('The owner who offered this transfer no longer owns the package');
    if (t.status !== 'pending') throw conflict(`The transfer was already ${t.status}`);
    if (Date.parse(t.expires_at) <= Date.now()) throw conflict('The transfer offer has expired');
    await repo.transfers.setStatus(id, accept ? 'accepted' : 'declined');
    if (!accept) return { id, status: 'declined' };
    requireScope(p, 'owner', t.package);
    await repo.owners.remove(t.package, t.from_user);
    const owners = await repo.owners.of(t.package);
    if (!owners.includes(p.userId)) await repo.owners.add(t.package, p.userId);
    const from = await repo.users.nameOf(t.from_user);
    const e = await ctx.audit.append(q, {
      event: 'ownership.transfer',
      actor: p.user,
      package: t.package,
      metadata: { from: from ?? null, to: p.user },
    });
    return { id, status: 'accepted', package: t.package, audit_index: e.index };
  });
}

/** The maker withdraws a pending offer. */
export async function cancelTransfer(ctx: RegistryContext, p: Principal, id: string): Promise<void> {
  requireScope(p, 'owner');
  await ctx.db.write(async (q) => {
    const transfers = new Repository(q).transfers;
    const t = await transfers.get(id);
    if (!t || t.from_user !== p.userId) throw notFound(`Transfer ${id}`, 'transfer_not_found');
    if (t.status !== 'pending') throw conflict(`The transfer was already ${t.status}`);
    await transfers.setStatus(id, 'cancelled');
  });
}
