import type { LockedPackage } from '../lock/lockfile.js';
import type { SignatureFact } from '../plugin/contracts.js';
import type { AttestationFact, AuditLogFact, Facts, ScanFact } from '../policy/facts.js';

/** The signature type of registry attestations (`@aam/plugin-attestation`). */
export const REGISTRY_ATTESTATION = 'registry-attestation';

/** The facts of one package, as the policy's facts/v1 schema describes them. */
export function buildFacts(opts: {
  name: string;
  version: string;
  registry?: string;
  yanked?: boolean;
  expected: string;
  actual: string;
  signatures: SignatureFact[];
  /** Registry attestation facts (from `registryAttestationFacts`). */
  attestations?: SignatureFact[];
  /** The registry audit log check (`auditLogFact`), when `require_audit_log` asked for it. */
  auditLog?: AuditLogFact;
  request: Facts['request'];
  locked?: LockedPackage;
}): Facts {
  // A registry attestation is never judged as an author signature: wherever it came from, it goes to
  // `attestations`, where the policy checks its registry, subject digest, name and version.
  const attestations = [
    ...opts.signatures.filter((s) => s.type === REGISTRY_ATTESTATION),
    ...(opts.attestations ?? []),
  ].map(toAttestationFact);
  return {
    facts_version: 1,
    package: {
      name: opts.name,
      version: opts.version,
      ...(opts.registry !== undefined ? { registry: opts.registry } : {}),
      ...(opts.yanked !== undefined ? { yanked: opts.yanked } : {}),
    },
    checksum: { expected: opts.expected, actual: opts.actual },
    signatures: opts.signatures.filter((s) => s.type !== REGISTRY_ATTESTATION),
    attestations,
    ...(opts.auditLog ? { audit_log: opts.auditLog } : {}),
    request: opts.request,
    ...(opts.locked
      ? {
          lock: {
            version: opts.locked.version,
            checksum: opts.locked.checksum,
            signatures: opts.locked.signatures,
          },
        }
      : {}),
  };
}

/** A verifier's registry-attestation fact as the policy reads it (facts/v1 `attestations[]`). */
function toAttestationFact(s: SignatureFact): AttestationFact {
  const x = s as SignatureFact & Partial<Record<keyof AttestationFact, unknown>>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const fields = {
    subject_digest: text(x.subject_digest),
    name: text(x.name),
    version: text(x.version),
    key_id: text(x.key_id),
    signed_at: text(s.signed_at),
  };
  return {
    type: REGISTRY_ATTESTATION,
    // Only a fact that says which registry vouched can be valid.
    valid: s.valid === true && typeof s.registry === 'string' && s.registry !== '',
    errors: s.errors ?? [],
    registry: s.registry ?? '',
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    ...(typeof x.audit_index === 'number' ? { audit_index: x.audit_index } : {}),
    // Scan evidence as the verifier parsed it from the signed statement (it refuses a malformed one).
    ...(Array.isArray(x.scans) ? { scans: x.scans as ScanFact[] } : {}),
    ...(x.publish_policy && typeof x.publish_policy === 'object'
      ? { publish_policy: x.publish_policy as NonNullable<AttestationFact['publish_policy']> }
      : {}),
    ...(Array.isArray(x.approved_by)
      ? { approved_by: x.approved_by.filter((a): a is string => typeof a === 'string') }
      : {}),
  };
}
