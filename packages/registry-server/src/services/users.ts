import { randomUUID } from 'node:crypto';
import { issueToken, requireScope, ROLE_SCOPES, type Principal, type Role, type Scope } from '../auth.js';
import { jsonObject } from '../input.js';
import { badRequest, conflict, forbidden } from '../problem.js';
import { Repository } from '../repository/index.js';
import { now, type RegistryContext } from './context.js';

/** A new user with their first token (its secret is in the answer, once). Admins only. */
export async function createUser(ctx: RegistryContext, p: Principal, body: unknown) {
  requireScope(p, 'admin');
  if (p.role !== 'admin') throw forbidden('Only an admin may create users');
  const b = jsonObject(body);
  const name = b.name;
  const role = (b.role ?? 'user') as Role;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name))
    throw badRequest('name must be 1-64 characters: a-z, 0-9, dot, underscore, dash');
  if (!['admin', 'approver', 'user'].includes(role)) throw badRequest('role must be admin, approver or user');
  return ctx.db.write(async (q) => {
    const repo = new Repository(q);
    if (await repo.users.byName(name)) throw conflict(`User ${name} exists`);
    const id = randomUUID();
    await repo.users.insert({ id, name, role, createdAt: now() });
    const scopes: Scope[] = [...ROLE_SCOPES[role as Role]];
    const t = await issueToken(repo.tokens, { userId: id, name: 'initial', scopes });
    await ctx.audit.append(q, { event: 'user.create', actor: p.user, metadata: { user: name, role } });
    await ctx.audit.append(q, {
      event: 'token.create',
      actor: name,
      metadata: { token_id: t.id, scopes, by: p.user },
    });
    return { name, role, token: t.token, token_id: t.id, expires_at: t.expires_at };
  });
}

/** The caller as `GET /users/me` shows them. */
export function callerDocument(p: Principal) {
  return { name: p.user, role: p.role, scopes: [...p.scopes].sort(), packages: p.packages };
}
