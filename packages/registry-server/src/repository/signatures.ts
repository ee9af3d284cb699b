import type { Query, Row } from '../db.js';

/** What the registry verified about an author's signature (the bytes themselves aside). */
export interface SignatureSummaryRow extends Row {
  type: string;
  identity: string | null;
  fingerprint: string | null;
}

export interface SignatureRow extends SignatureSummaryRow {
  content: Buffer;
}

/** The `signatures` table: authors' signatures, verified at publish, one per type and version. */
export class Signatures {
  constructor(private readonly q: Query) {}

  /** A version's signatures without their bytes, by type. */
  async summaries(pkg: string, ver: string): Promise<SignatureSummaryRow[]> {
    return this.q.all<SignatureSummaryRow>(
      'SELECT type, identity, fingerprint FROM signatures WHERE package = ? AND version = ? ORDER BY type',
      pkg,
      ver,
    );
  }

  /** A version's first signature by type, without its bytes. */
  async first(pkg: string, ver: string): Promise<SignatureSummaryRow | undefined> {
    return this.q.get<SignatureSummaryRow>(
      'SELECT type, identity, fingerprint FROM signatures WHERE package = ? AND version = ? ORDER BY type LIMIT 1',
      pkg,
      ver,
    );
  }

  /**
   * Everyone who signed an approved version of the package (type, identity, fingerprint), once each: a held or
   * rejected version's signer is nobody anyone has vouched for.
   */
  async approvedSignersOf(pkg: string): Promise<SignatureSummaryRow[]> {
    return this.q.all<SignatureSummaryRow>(
      `SELECT DISTINCT s.type, s.identity, s.fingerprint FROM signatures s
         JOIN versions v ON v.package = s.package AND v.version = s.version
       WHERE s.package = ? AND v.status = 'approved' ORDER BY s.type, s.identity, s.fingerprint`,
      pkg,
    );
  }

  /** A version's signatures with their bytes, by type. */
  async of(pkg: string, ver: string): Promise<SignatureRow[]> {
    return this.q.all<SignatureRow>(
      'SELECT type, content, identity, fingerprint FROM signatures WHERE package = ? AND version = ? ORDER BY type',
      pkg,
      ver,
    );
  }

  async insert(s: {
    package: string;
    version: string;
    type: string;
    content: Buffer;
    identity: string | null;
    fingerprint: string | null;
  }): Promise<void> {
    await this.q.run(
      'INSERT INTO signatures (package, version, type, content, identity, fingerprint) VALUES (?, ?, ?, ?, ?, ?)',
      s.package,
      s.version,
      s.type,
      s.content,
      s.identity,
      s.fingerprint,
    );
  }
}
