import type { SignatureFact } from '../plugin/contracts.js';

/** The version of the facts document the policy reads (`schema/facts.v1.schema.json`). */
export const FACTS_VERSION = 1;

/** A registry attestation as verified by the host: the policy checks registry, digest, name and version. */
export interface AttestationFact {
  type: 'registry-attestation';
  valid: boolean;
  errors: string[];
  registry: string;
  subject_digest?: string;
  name?: string;
  version?: string;
  key_id?: string;
  signed_at?: string;
}

/** What the host learned about one package; the policy never sees bytes or keys (DESIGN.md). */
export interface Facts {
  facts_version: 1;
  package: { name: string; version: string; registry?: string; yanked?: boolean };
  checksum: { expected: string; actual: string };
  signatures: SignatureFact[];
  attestations: AttestationFact[];
  request: { verify: boolean; require_signature: boolean; no_verify: boolean };
  /** What the lock recorded for this package before this install (trust on first use). */
  lock?: {
    version: string;
    checksum: string;
    signatures: {
      type: string;
      identity?: string;
      fingerprint?: string;
      issuer?: string;
      registry?: string;
    }[];
  };
}

export type Outcome = 'install' | 'warn' | 'fail';
export type Effect = 'fail' | 'warn' | 'note' | 'pass';

export interface Reason {
  code: string;
  message: string;
  rule: string;
  effect: Effect;
  /** Index into facts.signatures (kind "signature") or facts.attestations (kind "attestation"). */
  signature?: number;
  kind?: 'signature' | 'attestation';
  matched?: { identity?: unknown; key?: string; registry?: string };
}

export interface Decision {
  outcome: Outcome;
  reasons: Reason[];
  /** Whether signatures were judged (require_signature or --verify). */
  evaluated: boolean;
}
