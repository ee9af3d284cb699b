import {
  issueToken,
  packageAllowed,
  parseScopes,
  requireScope,
  type Principal,
  type Scope,
} from '../auth.js';
import { jsonObject } from '../input.js';
import { badRequest, forbidden, notFound } from '../problem.js';
import { Repository } from '../repository/index.js';
import { now, type RegistryContext } from './context.js';

/** The caller's own tokens, revoked ones included (never their secrets). */
export async function listTokens(ctx: RegistryContext, p: Principal) {
  const rows = await ctx.db.read((q) => new Repository(q).tokens.ofUser(p.userId));
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
}

/** A new token for the caller, never wider than the token asking (its secret is in the answer, once). */
export async function createToken(ctx: RegistryContext, p: Principal, body: unknown) {
  const b = jsonObject(body);
  const scopes = parseScopes(b.scopes ?? ['read']);
  const packages = packagesWithin(p, scopes, b.packages);
  const name = typeof b.name === 'string' && b.name ? b.name : 'token';
  const days = b.expires_in_days === undefined ? undefined : Number(b.expires_in_days);
  return ctx.db.write(async (q) => {
    const t = await issueToken(new Repository(q).tokens, {
      userId: p.userId,
      name,
      scopes,
      packages,
      ...(days !== undefined ? { expiresInDays: days } : {}),
    });
    await ctx.audit.append(q, { event: 'token.create', actor: p.user, metadata: { token_id: t.id, scopes } });
    return { id: t.id, token: t.token, name, scopes, packages, expires_at: t.expires_at };
  });
}

/** The packages a new token covers: the asking token's own by default, and never more than those. */
function packagesWithin(p: Principal, scopes: Scope[], requested: unknown): string[] {
  // A token can only hand out what it holds itself.
  for (const s of scopes)
    if (!p.scopes.has(s))
      throw forbidden(`Cannot create a token with '${s}': this token lacks it`, 'insufficient_scope');
  const packages = requested === undefined ? p.packages : requested;
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
  return packages as string[];
}

/** Revokes one of the caller's tokens (an admin may revoke anyone's); revoking twice changes nothing. */
export async function revokeToken(ctx: RegistryContext, p: Principal, id: string): Promise<void> {
  await ctx.db.write(async (q) => {
    const tokens = new Repository(q).tokens;
    const row = await tokens.get(id);
    // Someone else's token is "not found" (no oracle), unless an admin asks.
    const someoneElses = !!row && row.user_id !== p.userId;
    if (someoneElses && p.role === 'admin') requireScope(p, 'admin');
    if (!row || (someoneElses && p.role !== 'admin')) throw notFound(`Token ${id}`, 'token_not_found');
    if (row.revoked_at) return;
    await tokens.revoke(id, now());
    await ctx.audit.append(q, { event: 'token.revoke', actor: p.user, metadata: { token_id: id } });
  });
}
