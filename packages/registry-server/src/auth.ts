import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { RegistryError } from './problem.js';
import type { Tokens } from './repository/index.js';

export const SCOPES = ['read', 'publish', 'yank', 'tag', 'approve', 'owner', 'audit', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
export const WRITE_SCOPES: readonly Scope[] = ['publish', 'yank', 'tag', 'approve', 'owner', 'admin'];

export type Role = 'admin' | 'approver' | 'user';

const DAY = 24 * 60 * 60 * 1000;
/** Tokens with a write scope must expire: 30 days by default, 90 at most (npm's cap). */
export const WRITE_TOKEN_DEFAULT_DAYS = 30;
export const WRITE_TOKEN_MAX_DAYS = 90;
export const READ_TOKEN_DEFAULT_DAYS = 365;

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(bytes: Buffer, width: number): string {
  let n = BigInt(`0x${bytes.toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = B62[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out.padStart(width, '0');
}

/**
 * `aam_` + 32 random bytes (base62) + `_` + CRC32 of the rest (base62): scanners can spot leaked tokens and
 * the CLI can refuse a mistyped one offline. Only its SHA-256 is stored.
 */
export function newTokenSecret(): string {
  const body = `aam_${base62(randomBytes(32), 43)}`;
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(body) >>> 0);
  return `${body}_${base62(sum, 6)}`;
}

/** Whether a token has the `aam_` shape and its checksum adds up (offline: says nothing of it being known). */
export function tokenLooksValid(token: string): boolean {
  const m = /^(aam_[0-9A-Za-z]{43})_([0-9A-Za-z]{6})$/.exec(token);
  if (!m) return false;
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(m[1]!) >>> 0);
  return base62(sum, 6) === m[2];
}

/** A token's SHA-256 (hex): the only form the registry stores. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface Principal {
  userId: string;
  user: string;
  role: Role;
  tokenId: string;
  scopes: Set<Scope>;
  /** Package name patterns (`@acme/*`, `exact-name`); empty means any. */
  packages: string[];
}

/** `@acme/*` matches every package of the scope; anything else matches exactly. */
export function packageAllowed(p: Principal, name: string): boolean {
  if (p.packages.length === 0) return true;
  return p.packages.some((pat) => (pat.endsWith('/*') ? name.startsWith(pat.slice(0, -1)) : pat === name));
}

const unauthorized = (detail: string) =>
  new RegistryError(401, 'unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });

/** Resolves a bearer token: missing, malformed, unknown, expired or revoked are all 401. */
export async function authenticate(tokens: Tokens, header: string | undefined): Promise<Principal> {
  if (!header) throw unauthorized('This needs a token: Authorization: Bearer <token> (aam login)');
  const m = /^Bearer (\S+)$/.exec(header);
  if (!m || !tokenLooksValid(m[1]!)) throw unauthorized('The token is malformed');
  const row = await tokens.withHolder(tokenHash(m[1]!));
  if (!row) throw unauthorized('The token is not known to this registry');
  if (row.revoked_at) throw unauthorized('The token was revoked');
  if (row.expires_at && Date.parse(String(row.expires_at)) <= Date.now())
    throw unauthorized('The token has expired');
  return {
    userId: row.user_id,
    user: row.name,
    role: row.role as Role,
    tokenId: row.id,
    scopes: new Set(JSON.parse(row.scopes) as Scope[]),
    packages: JSON.parse(row.packages) as string[],
  };
}

/** The scopes each role's tokens can carry (a token never holds more than its user's role allows). */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  admin: SCOPES,
  approver: ['read', 'publish', 'yank', 'tag', 'approve', 'owner'],
  user: ['read', 'publish', 'yank', 'tag', 'owner'],
};

/**
 * 403 unless the token carries the scope (and, for a package action, covers the package). When the user's role
 * can never hold the scope, says so (`role_lacks_scope`) rather than suggesting a token that cannot exist.
 */
export function requireScope(p: Principal, scope: Scope, pkg?: string): void {
  if (!p.scopes.has(scope) && !p.scopes.has('admin')) {
    if (!ROLE_SCOPES[p.role].includes(scope)) {
      const who = (Object.keys(ROLE_SCOPES) as Role[]).filter((r) => ROLE_SCOPES[r].includes(scope));
      throw new RegistryError(
        403,
        'role_lacks_scope',
        `'${scope}' is for ${who.map((r) => `${r}s`).join(' and ')}; ${p.user} is ${p.role === 'user' ? 'a' : 'an'} ${p.role} (an admin can add a user with another role)`,
      );
    }
    throw new RegistryError(403, 'insufficient_scope', `The token lacks the '${scope}' scope`);
  }
  if (pkg !== undefined && !packageAllowed(p, pkg))
    throw new RegistryError(403, 'insufficient_scope', `The token does not cover ${pkg}`);
}

export interface NewToken {
  userId: string;
  name: string;
  scopes: Scope[];
  packages?: string[];
  /** Days until expiry; write tokens are capped. `null` = never (the bootstrap admin token only). */
  expiresInDays?: number | null;
}

/** Stores a new token (hashed) and returns its secret, shown once. */
export async function issueToken(
  tokens: Tokens,
  t: NewToken,
): Promise<{ id: string; token: string; expires_at: string | null }> {
  const write = t.scopes.some((s) => WRITE_SCOPES.includes(s));
  let days = t.expiresInDays;
  if (days === undefined) days = write ? WRITE_TOKEN_DEFAULT_DAYS : READ_TOKEN_DEFAULT_DAYS;
  if (days !== null && (!Number.isInteger(days) || days < 1))
    throw new RegistryError(400, 'bad_request', 'expires_in_days must be a whole number of days, at least 1');
  if (write && days !== null && days > WRITE_TOKEN_MAX_DAYS)
    throw new RegistryError(
      400,
      'bad_request',
      `Tokens with a write scope expire within ${WRITE_TOKEN_MAX_DAYS} days`,
    );
  const token = newTokenSecret();
  const id = randomUUID();
  const now = new Date();
  const expires = days === null ? null : new Date(now.getTime() + days * DAY).toISOString();
  await tokens.insert({
    id,
    userId: t.userId,
    name: t.name,
    sha256: tokenHash(token),
    prefix: token.slice(0, 8),
    scopes: [...new Set(t.scopes)].sort(),
    packages: t.packages ?? [],
    createdAt: now.toISOString(),
    expiresAt: expires,
  });
  return { id, token, expires_at: expires };
}

/** A non-empty list of known scopes, else 400. */
export function parseScopes(v: unknown): Scope[] {
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    !v.every((s) => (SCOPES as readonly string[]).includes(String(s)))
  )
    throw new RegistryError(400, 'bad_request', `scopes must be a non-empty list of: ${SCOPES.join(', ')}`);
  return v as Scope[];
}
