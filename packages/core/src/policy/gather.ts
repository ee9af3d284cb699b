import type { RegistryConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import type { LockedPackage, LockedSignature } from '../lock/lockfile.js';
import type {
  ArtifactRef,
  SignatureDocument,
  SignatureFact,
  SignatureVerifier,
  VerifyContext,
} from '../plugin/contracts.js';
import type { Registry, SignatureRecord } from '../registry/types.js';
import type { AttestationFact, AuditLogFact, Decision, Facts } from './facts.js';
import type { PolicyEngine } from './engine.js';

/** Everything an install or verify needs to judge a package: verifiers, the policy, the request flags. */
export interface TrustContext {
  engine: PolicyEngine;
  verifiers: SignatureVerifier[];
  request: Facts['request'];
  /** Per-signature verification time limit; a timeout is an invalid signature, never a pass. */
  timeoutMs?: number;
  /**
   * Fetch and verify the registry's own attestations of packages from HTTP registries
   * (`security.trust_registry_attestations`); `aam info --signatures` lists them regardless.
   */
  attestations?: boolean;
  /**
   * Check each package's publish entry in its registry's audit log (`security.require_audit_log`), for the
   * `audit_log` fact; the registries' configs carry the pinned checkpoint keys.
   */
  auditLog?: { registries: RegistryConfig[] };
}

/** The signature type of registry attestations (`@aam/plugin-attestation`). */
export const REGISTRY_ATTESTATION = 'registry-attestation';

const DEFAULT_TIMEOUT_MS = 30_000;

function failed(type: string, error: string): SignatureFact {
  return { type, valid: false, errors: [error] };
}

/** Verifies one signature document with the first plugin that recognises it; any failure is a fact, not a throw. */
export async function verifySignature(
  verifiers: SignatureVerifier[],
  artifact: ArtifactRef,
  doc: SignatureDocument,
  ctx: VerifyContext,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<SignatureFact> {
  const type = doc.declaredType ?? 'unknown';
  const verifier = verifiers.find((v) => {
    try {
      return v.canVerify(doc);
    } catch {
      return false;
    }
  });
  if (!verifier)
    return failed(type, `no installed verifier recognises this ${type} signature (${doc.source})`);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`verification timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    const fact = await Promise.race([verifier.verify(artifact, doc, ctx), timeout]);
    if (typeof fact?.valid !== 'boolean')
      return failed(verifier.type, `verifier ${verifier.type} returned no verdict`);
    return { ...fact, errors: fact.errors ?? [] };
  } catch (e) {
    return failed(
      verifier.type,
      `verifier ${verifier.type} failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

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
  };
}

/** The signers the policy trusted, to record in the lock (trust on first use). */
export function trustedSigners(decision: Decision, facts: Facts): LockedSignature[] {
  const out: LockedSignature[] = [];
  for (const r of decision.reasons) {
    // Only the default policy's own verdict counts: a module's reason cannot plant a signer in the lock.
    if (r.rule !== 'aam.trust.trusted' || r.effect !== 'pass' || r.signature === undefined) continue;
    const s = r.kind === 'attestation' ? facts.attestations[r.signature] : facts.signatures[r.signature];
    if (!s) continue;
    out.push({
      type: s.type,
      ...('identity' in s && s.identity ? { identity: s.identity } : {}),
      ...('fingerprint' in s && s.fingerprint ? { fingerprint: s.fingerprint } : {}),
      ...('issuer' in s && s.issuer ? { issuer: s.issuer } : {}),
      ...('registry' in s && s.registry ? { registry: s.registry } : {}),
    });
  }
  return out;
}

/** A package the policy refused (exit 1): carries the decision and facts for rendering and --json. */
export class PolicyRefusedError extends AamError {
  constructor(
    readonly packageId: string,
    readonly decision: Decision,
    readonly facts: Facts,
  ) {
    const why = decision.reasons.filter((r) => r.effect === 'fail').map((r) => r.message);
    super('POLICY_REFUSED', `The trust policy refused ${packageId}: ${why.join('; ') || 'no reason given'}`, {
      package: packageId,
      decision,
    });
  }
}

/** Reads each signature stored beside an archive in a registry and verifies it; failures are facts. */
export async function storedSignatureFacts(
  trust: TrustContext,
  registry: Registry,
  name: string,
  version: string,
  records: SignatureRecord[],
  artifact: ArtifactRef,
): Promise<SignatureFact[]> {
  const facts: SignatureFact[] = [];
  for (const record of records) {
    let bytes: Uint8Array;
    try {
      bytes = await registry.readSignature(name, version, record);
    } catch (e) {
      facts.push(
        failed(record.type, `cannot read ${record.file}: ${e instanceof Error ? e.message : String(e)}`),
      );
      continue;
    }
    const doc = { source: `${registry.name}:${record.file}`, declaredType: record.type, bytes };
    facts.push(
      await verifySignature(
        trust.verifiers,
        artifact,
        doc,
        { keys: [], registry: registry.name, offline: false },
        trust.timeoutMs,
      ),
    );
  }
  return facts;
}

/**
 * The registry's own attestations of a version (HTTP registries), each verified by the plugin that recognises
 * it (`@aam/plugin-attestation`) with `ctx.registry` = the registry's name; undefined when the registry keeps
 * none (local registries). Unreadable attestations are a fact (invalid), never a pass; none served is `[]`.
 */
export async function registryAttestationFacts(
  trust: Pick<TrustContext, 'verifiers' | 'timeoutMs'>,
  registry: Registry,
  name: string,
  version: string,
  artifact: ArtifactRef,
): Promise<SignatureFact[] | undefined> {
  if (typeof registry.readAttestations !== 'function') return undefined;
  let served;
  try {
    served = await registry.readAttestations(name, version);
  } catch (e) {
    return [
      {
        ...failed(
          REGISTRY_ATTESTATION,
          `cannot read the attestations of ${name}@${version}: ${e instanceof Error ? e.message : String(e)}`,
        ),
        registry: registry.name,
      },
    ];
  }
  const facts: SignatureFact[] = [];
  for (const [i, a] of served.entries()) {
    const doc = {
      source: `${registry.name}:${name}@${version}/attestations[${i}]`,
      declaredType: REGISTRY_ATTESTATION,
      bytes: a.envelope,
    };
    const fact = await verifySignature(
      // Only a registry-attestation verifier may judge the registry's own attestations.
      trust.verifiers.filter((v) => v.type === REGISTRY_ATTESTATION),
      artifact,
      doc,
      { keys: [], registry: registry.name, offline: false },
      trust.timeoutMs,
    );
    // Whatever the verifier said, the attestation is about this registry (a missing verifier says nothing).
    facts.push({ ...fact, type: REGISTRY_ATTESTATION, registry: registry.name });
  }
  return facts;
}
