import type { LockedSignature } from '../lock/lockfile.js';
import type { Decision, Facts } from '../policy/facts.js';

/** The signers the policy trusted, to record in the lock (trust on first use). */
export function trustedSigners(decision: Decision, facts: Facts): LockedSignature[] {
  const out: LockedSignature[] = [];
  for (const r of decision.reasons) {
    // Only the default policy's own verdict counts: a module's reason cannot plant a signer in the lock.
    if (r.rule !== 'aam.trust.trusted' || r.effect !== 'pass' || r.signature === undefined) continue;
    const s = r.kind === 'attestation' ? facts.attestations[r.signature] : facts.signatures[r.signature];
    if (s) out.push(signerOf(s));
  }
  return out;
}

/** Every valid signature and attestation in the facts, trusted or not (the lock's `seen_signatures`). */
export function seenSigners(facts: Facts): LockedSignature[] {
  return [...facts.signatures, ...facts.attestations].filter((s) => s.valid).map(signerOf);
}

function signerOf(s: Facts['signatures'][number] | Facts['attestations'][number]): LockedSignature {
  return {
    type: s.type,
    ...('identity' in s && s.identity ? { identity: s.identity } : {}),
    ...('fingerprint' in s && s.fingerprint ? { fingerprint: s.fingerprint } : {}),
    ...('issuer' in s && s.issuer ? { issuer: s.issuer } : {}),
    ...('registry' in s && s.registry ? { registry: s.registry } : {}),
  };
}
