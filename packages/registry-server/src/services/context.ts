import type { ArchiveLimits, PublishPolicy, Scanner, SignatureVerifier } from '@aam/core';
import type { AttestationSigner } from '../attest.js';
import type { AuditLog } from '../audit.js';
import type { CheckedBlobs } from '../blobs/index.js';
import type { Db } from '../db.js';
import type { FaultPoints } from '../faults.js';

/** What the services work with: the stores, the keys and the registry's settings. */
export interface RegistryContext {
  db: Db;
  /** The archive store, every read checked against its digest, every failure a 503. */
  blobs: CheckedBlobs;
  audit: AuditLog;
  /** The registry's public name (shown in capabilities, named in attestations). */
  name: string;
  /** Publishes wait for an approver (never the publisher) before tags move. */
  requireApproval: boolean;
  limits: ArchiveLimits;
  /** Signs the registry's in-toto attestation for every accepted version (ECDSA P-256, DSSE). */
  attestations: AttestationSigner;
  /** Verifiers for authors' signatures (Sigstore, GPG): an upload whose signature does not verify is refused. */
  verifiers: SignatureVerifier[];
  /** Content scanners run on every upload, in memory, before anything is stored (none: no scans). */
  scanners: Scanner[];
  /** Milliseconds each scanner may take; past it the scan failed and the publish is refused (503). */
  scanTimeoutMs: number;
  /** Most unpacked bytes of one upload held in memory and scanned; more is refused (413), never half-scanned. */
  scanMaxBytes: number;
  /** Decides accept, hold or reject from the upload's facts and scan results (Rego, WASM). */
  publishPolicy: PublishPolicy;
  /** Test-only fault injection, e.g. a crash inside the publish transaction. */
  faults?: FaultPoints;
}

/** A timestamp as stored and served: ISO 8601, UTC, milliseconds. */
export const now = (): string => new Date().toISOString();
