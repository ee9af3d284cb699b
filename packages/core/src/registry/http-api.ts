/**
 * The documents `aam registry serve` answers for its management API (`/api/v1`), as the typed methods of
 * `HttpRegistry` return them (registry-anchors §5).
 */

/** Who a token belongs to (`GET /api/v1/users/me`). */
export interface RegistryPrincipal {
  name: string;
  role: string;
  scopes: string[];
  packages: string[];
}

/** A token as listed (`GET /api/v1/tokens`): never its secret. */
export interface TokenInfo {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  packages: string[];
  created_at: string;
  expires_at: string | null;
  revoked: boolean;
  /** The token this request was made with. */
  current: boolean;
}

export interface NewTokenRequest {
  name: string;
  scopes: string[];
  packages?: string[];
  expiresInDays?: number;
}

/** A token just created: its secret is shown this once. */
export interface CreatedToken {
  id: string;
  token: string;
  name: string;
  scopes: string[];
  packages: string[];
  expires_at: string | null;
}

/** A user just created, with their first token. */
export interface CreatedUser {
  name: string;
  role: string;
  token: string;
  token_id: string;
  expires_at: string | null;
}

/** A pending ownership transfer (`GET /api/v1/ownership-transfers`). */
export interface OwnershipTransfer {
  id: string;
  package: string;
  from: string;
  to: string;
  expires_at: string;
}

/** What a mutation changed, and the index of its audit log entry (absent when nothing changed). */
export interface MutationReceipt {
  changed: boolean;
  audit_index: number | null;
}
