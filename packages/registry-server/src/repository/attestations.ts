import type { Query, Row } from '../db.js';

/** The `attestations` table: the registry's DSSE envelope for each accepted version. */
export class Attestations {
  constructor(private readonly q: Query) {}

  /** A version's attestations: the key that signed each and its envelope (JSON text). */
  async of(pkg: string, ver: string): Promise<{ keyid: string; envelope: string }[]> {
    return this.q.all<{ keyid: string; envelope: string } & Row>(
      'SELECT keyid, envelope FROM attestations WHERE package = ? AND version = ?',
      pkg,
      ver,
    );
  }

  async insert(pkg: string, ver: string, keyid: string, envelope: string, createdAt: string): Promise<void> {
    await this.q.run(
      'INSERT INTO attestations (package, version, keyid, envelope, created_at) VALUES (?, ?, ?, ?, ?)',
      pkg,
      ver,
      keyid,
      envelope,
      createdAt,
    );
  }
}
