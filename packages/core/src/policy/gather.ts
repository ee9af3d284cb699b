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
import type { Decision, Facts } from './facts.js';
import type { PolicyEngine } from './engine.js';

/** Everything an install or verify needs to judge a package: verifiers, the policy, the request flags. */
export interface TrustContext {
  engine: PolicyEngine;
  verifiers: SignatureVerifier[];
  request: Facts['request'];
  /** Per-signature verification time limit; a timeout is an invalid signature, never a pass. */
  timeoutMs?: number;
}

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
  request: Facts['request'];
  locked?: LockedPackage;
}): Facts {
  return {
    facts_version: 1,
    package: {
      name: opts.name,
      version: opts.version,
      ...(opts.registry !== undefined ? { registry: opts.registry } : {}),
      ...(opts.yanked !== undefined ? { yanked: opts.yanked } : {}),
    },
    checksum: { expected: opts.expected, actual: opts.actual },
    signatures: opts.signatures.filter((s) => s.type !== 'registry-attestation'),
    attestations: [],
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
