import type { Query, Row } from '../db.js';

/** A token as its owner lists it (never its secret: only the SHA-256 is stored). */
export interface TokenRow extends Row {
  id: string;
  name: string;
  prefix: string;
  scopes: string;
  packages: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

/** A token with the user it belongs to: what authentication needs. */
export interface TokenHolderRow extends Row {
  id: string;
  user_id: string;
  name: string;
  role: string;
  scopes: string;
  packages: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface NewTokenRow {
  id: string;
  userId: string;
  name: string;
  sha256: string;
  prefix: string;
  scopes: readonly string[];
  packages: readonly string[];
  createdAt: string;
  expiresAt: string | null;
}

/** The `tokens` table: API tokens by the SHA-256 of their secret. */
export class Tokens {
  constructor(private readonly q: Query) {}

  /** The token whose secret hashes to `sha256`, with its user's name and role. */
  async withHolder(sha256: string): Promise<TokenHolderRow | undefined> {
    return this.q.get<TokenHolderRow>(
      `SELECT t.id, t.user_id, u.name, u.role, t.scopes, t.packages, t.expires_at, t.revoked_at
         FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = ?`,
      sha256,
    );
  }

  async ofUser(userId: string): Promise<TokenRow[]> {
    return this.q.all<TokenRow>(
      `SELECT id, name, prefix, scopes, packages, created_at, expires_at, revoked_at FROM tokens
         WHERE user_id = ? ORDER BY created_at, id`,
      userId,
    );
  }

  async get(id: string): Promise<{ user_id: string; revoked_at: string | null } | undefined> {
    return this.q.get<{ user_id: string; revoked_at: string | null } & Row>(
      'SELECT user_id, revoked_at FROM tokens WHERE id = ?',
      id,
    );
  }

  async insert(t: NewTokenRow): Promise<void> {
    await this.q.run(
      `INSERT INTO tokens (id, user_id, name, token_sha256, prefix, scopes, packages, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      t.id,
      t.userId,
      t.name,
      t.sha256,
      t.prefix,
      JSON.stringify(t.scopes),
      JSON.stringify(t.packages),
      t.createdAt,
      t.expiresAt,
    );
  }

  async revoke(id: string, at: string): Promise<void> {
    await this.q.run('UPDATE tokens SET revoked_at = ? WHERE id = ?', at, id);
  }
}
