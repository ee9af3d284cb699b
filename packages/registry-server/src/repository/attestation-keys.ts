import type { Query, Row } from '../db.js';

export interface AttestationKey {
  keyid: string;
  status: 'active' | 'retired';
  pem: string;
  created_at: string;
  retired_at: string | null;
}

/**
 * The `attestation_keys` table: the public halves of the registry's attestation keys, retired ones kept (old
 * attestations must keep verifying). The private halves are files (`AttestationSigner`).
 */
export class AttestationKeys {
  constructor(private readonly q: Query) {}

  /** The id of the active key, if there is one. */
  async active(): Promise<string | undefined> {
    return (
      await this.q.get<{ keyid: string } & Row>(
        "SELECT keyid FROM attestation_keys WHERE status = 'active' ORDER BY created_at DESC LIMIT 1",
      )
    )?.keyid;
  }

  /** Every key, active and retired, oldest first. */
  async list(): Promise<AttestationKey[]> {
    return (
      await this.q.all<AttestationKey & Row>(
        'SELECT keyid, status, pem, created_at, retired_at FROM attestation_keys ORDER BY created_at, keyid',
      )
    ).map((r) => ({
      keyid: r.keyid,
      status: r.status,
      pem: r.pem,
      created_at: r.created_at,
      retired_at: r.retired_at,
    }));
  }

  async retireActive(at: string): Promise<void> {
    await this.q.run(
      "UPDATE attestation_keys SET status = 'retired', retired_at = ? WHERE status = 'active'",
      at,
    );
  }

  async insertActive(keyid: string, pem: string, createdAt: string): Promise<void> {
    await this.q.run(
      "INSERT INTO attestation_keys (keyid, pem, status, created_at) VALUES (?, ?, 'active', ?)",
      keyid,
      pem,
      createdAt,
    );
  }
}
