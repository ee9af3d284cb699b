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
  /** The index of the version's `package.publish` entry in the registry's audit log (proven included). */
  audit_index?: number;
  /** The registry's scans of this version, as its signed attestation records them (`require_scans`). */
  scans?: ScanFact[];
  /** The registry's publish policy: its digest and decision (`hold`: an approver let it through). */
  publish_policy?: PublishPolicyFact;
  /** Who approved the version, when it waited for an approver. */
  approved_by?: string[];
}

/** The registry's publish policy as an attestation records it: the sha256 of its Rego, its decision, the reasons. */
export interface PublishPolicyFact {
  digest: string;
  decision: 'accept' | 'hold';
  reasons: string[];
}

/** One scanner's result in a registry attestation: no finding's value, only where and which rule. */
export interface ScanFact {
  name: string;
  version: string;
  database: string | null;
  result: 'clean' | 'findings';
  findings: { rule: string; severity: string; path: string; line?: number }[];
}

/**
 * The host's check of the package's registry audit log (read by `require_audit_log`): `checked` when the log
 * could be checked at all, `consistent` when the check passed (a signed checkpoint, consistent with the one the
 * client pinned before, that includes this publish). Local (file://) registries have no audit log:
 * `{registry, checked: false, consistent: false, error: 'local registries have no audit log'}`.
 */
export interface AuditLogFact {
  /** The registry's name, as in `package.registry`. */
  registry: string;
  checked: boolean;
  consistent: boolean;
  /** The size of the checkpoint the check was made against. */
  checkpoint_size?: number;
  /** When the registry signed that checkpoint as it served it (a verified signed time). */
  checkpoint_time?: string;
  /** Seconds from that signed time to the check (`max_log_age`). */
  checkpoint_age?: number;
  /**
   * Where the package's metadata as served (versions, yanks, dist-tags) differs from what the proven log says;
   * empty when they agree; absent when the host had no metadata to compare.
   */
  state_problems?: string[];
  /** Why the log was not checked, or why it is not consistent. */
  error?: string;
}

/** The facts of a local registry's packages: there is no log to check. */
export const LOCAL_REGISTRY_AUDIT_ERROR = 'local registries have no audit log';

/** What the host learned about one package; the policy never sees bytes or keys (DESIGN.md). */
export interface Facts {
  facts_version: 1;
  package: { name: string; version: string; registry?: string; yanked?: boolean };
  checksum: { expected: string; actual: string };
  signatures: SignatureFact[];
  attestations: AttestationFact[];
  request: { verify: boolean; require_signature: boolean; no_verify: boolean };
  /** The registry audit log check; absent when the host did not check (then `require_audit_log` fails). */
  audit_log?: AuditLogFact;
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
  /** Whether signatures were judged (require_signature, require_registry_attestation, require_audit_log or --verify). */
  evaluated: boolean;
  /**
   * The artifact is verified: nothing fails and some signature (or attestation) is valid and trusted. What
   * `aam verify FILE` answers; a policy that does not say so (an older bundle) verifies nothing.
   */
  verified: boolean;
}
