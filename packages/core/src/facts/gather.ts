import { auditLogFact } from '../audit/version-fact.js';
import type { RegistryConfig } from '../config/types.js';
import type { Checksum } from '../integrity/checksum.js';
import type { LockedPackage } from '../lock/lockfile.js';
import type {
  ArtifactRef,
  SignatureDocument,
  SignatureFact,
  SignatureVerifier,
} from '../plugin/contracts.js';
import type { PolicyEngine } from '../policy/engine.js';
import type { AuditLogFact, Facts } from '../policy/facts.js';
import type { PackageMetadata, Registry, SignatureRecord, VersionRecord } from '../registry/types.js';
import { buildFacts, REGISTRY_ATTESTATION } from './build.js';
import { failedFact, verifySignature } from './verify-signature.js';

/** Everything a judgement needs: verifiers, the policy, the request flags, and which extra facts to gather. */
export interface TrustContext {
  engine: PolicyEngine;
  verifiers: SignatureVerifier[];
  request: Facts['request'];
  /** Per-signature verification time limit; a timeout is an invalid signature, never a pass. */
  timeoutMs?: number;
  /**
   * Fetch and verify the registry's own attestations of packages from HTTP registries
   * (`security.trust_registry_attestations`; `aam info --signatures` always asks).
   */
  attestations?: boolean;
  /**
   * Check each package's publish entry in its registry's audit log (`security.require_audit_log`), for the
   * `audit_log` fact; the registries' configs carry the pinned checkpoint keys.
   */
  auditLog?: { registries: RegistryConfig[] };
  /** Environment for the audit-log state (`$AAM_HOME/audit/...`). */
  env?: NodeJS.ProcessEnv;
}

/** One package to judge: the bytes it arrived as, what was promised about them, and where its evidence is. */
export interface PackageToJudge {
  name: string;
  version: string;
  /** The archive, read once (hashed as it arrived). */
  archive: { bytes: Buffer; actual: Checksum };
  /** The checksum the registry (or the lock, or nobody: the bytes' own) promised. */
  expected: Checksum;
  /**
   * The registry it came from and the version's record there (its signatures, audit index and yank mark). A
   * missing record is read from the registry; an unreadable one is an invalid signature fact, never a pass.
   */
  registry?: { registry: Registry; record?: VersionRecord; metadata?: PackageMetadata };
  /**
   * Signature documents given directly (`aam verify FILE --signature`), checked offline with `keys` (`--key`).
   * The artifact is then a file: only the name and version the user claims for it (`--name`, `--version`) are
   * its identity for the verifiers, never the placeholder names the facts carry.
   */
  documents?: {
    docs: SignatureDocument[];
    keys: Uint8Array[];
    path: string;
    claimed: { name?: string; version?: string };
  };
  /** What the lock recorded for this package before (trust on first use). */
  locked?: LockedPackage;
}

export interface GatheredFacts {
  facts: Facts;
  /** The registry's attestations were asked for (so having none is worth saying). */
  attestationsChecked: boolean;
}

/**
 * Gathers the facts of one package: every signature verified by the plugin that recognises it, the registry's
 * attestations and its audit log when the trust context asks, the request flags and the lock's signers.
 */
export async function gatherFacts(pkg: PackageToJudge, trust: TrustContext): Promise<GatheredFacts> {
  const identity = pkg.documents ? pkg.documents.claimed : { name: pkg.name, version: pkg.version };
  const artifact: ArtifactRef = {
    bytes: pkg.archive.bytes,
    checksum: pkg.archive.actual,
    size: pkg.archive.bytes.length,
    ...(identity.name !== undefined ? { name: identity.name } : {}),
    ...(identity.version !== undefined ? { version: identity.version } : {}),
    ...(pkg.documents ? { path: pkg.documents.path } : {}),
  };
  const signatures: SignatureFact[] = [];
  for (const doc of pkg.documents?.docs ?? [])
    signatures.push(
      await verifySignature(
        trust.verifiers,
        artifact,
        doc,
        { keys: pkg.documents!.keys, offline: true },
        trust.timeoutMs,
      ),
    );
  let attestations: SignatureFact[] | undefined;
  let auditLog: AuditLogFact | undefined;
  const from = pkg.registry;
  if (from) {
    const { registry } = from;
    let record = from.record;
    let metadata = from.metadata;
    try {
      if (!record) {
        metadata ??= await registry.metadata(pkg.name);
        record = metadata?.versions.find((v) => v.version === pkg.version);
      }
      signatures.push(
        ...(await storedSignatureFacts(
          trust,
          registry,
          pkg.name,
          pkg.version,
          record?.signatures ?? [],
          artifact,
        )),
      );
      if (trust.attestations)
        attestations = await registryAttestationFacts(trust, registry, pkg.name, pkg.version, artifact);
      if (trust.auditLog)
        auditLog = await auditLogFact({
          registry,
          config: trust.auditLog.registries.find((r) => r.name === registry.name),
          name: pkg.name,
          version: pkg.version,
          checksum: pkg.archive.actual,
          auditIndex: record?.audit_index,
          ...(metadata ? { metadata } : {}),
          ...(trust.env ? { env: trust.env } : {}),
        });
    } catch (e) {
      // Unreadable registry metadata is a fact (an invalid signature), never a pass.
      signatures.push(
        failedFact('unknown', `cannot read signatures: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
    return {
      facts: buildFacts({
        name: pkg.name,
        version: pkg.version,
        registry: registry.name,
        ...(from.record ? { yanked: from.record.yanked } : {}),
        expected: pkg.expected,
        actual: pkg.archive.actual,
        signatures,
        ...(attestations ? { attestations } : {}),
        ...(auditLog ? { auditLog } : {}),
        request: trust.request,
        ...(pkg.locked ? { locked: pkg.locked } : {}),
      }),
      attestationsChecked: attestations !== undefined,
    };
  }
  return {
    facts: buildFacts({
      name: pkg.name,
      version: pkg.version,
      expected: pkg.expected,
      actual: pkg.archive.actual,
      signatures,
      request: trust.request,
      ...(pkg.locked ? { locked: pkg.locked } : {}),
    }),
    attestationsChecked: false,
  };
}

/** Reads each signature stored beside an archive in a registry and verifies it; failures are facts. */
export async function storedSignatureFacts(
  trust: Pick<TrustContext, 'verifiers' | 'timeoutMs'>,
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
        failedFact(record.type, `cannot read ${record.file}: ${e instanceof Error ? e.message : String(e)}`),
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
        ...failedFact(
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
