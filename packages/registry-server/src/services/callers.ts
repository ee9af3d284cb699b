import { authenticate, type Principal } from '../auth.js';
import { RegistryError } from '../problem.js';
import { Repository } from '../repository/index.js';
import type { RegistryContext } from './context.js';

/** The caller an `Authorization: Bearer` header names: 401 if it is missing, malformed, unknown, expired or revoked. */
export function caller(ctx: RegistryContext, authorization: string | undefined): Promise<Principal> {
  return ctx.db.read((q) => authenticate(new Repository(q).tokens, authorization));
}

/** Public reads: a token widens what is visible; a stale or unknown one just reads anonymously. */
export async function optionalCaller(
  ctx: RegistryContext,
  authorization: string | undefined,
): Promise<Principal | undefined> {
  if (!authorization) return undefined;
  try {
    return await caller(ctx, authorization);
  } catch (e) {
    if (e instanceof RegistryError && e.status === 401) return undefined;
    throw e;
  }
}
