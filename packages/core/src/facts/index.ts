/**
 * Facts about packages, gathered in one place (signatures through the verifier plugins, registry attestations,
 * the audit log, the lock's signers) and judged in one place (`judge`): the policy decides, nothing else.
 */
export { buildFacts, REGISTRY_ATTESTATION } from './build.js';
export {
  gatherFacts,
  registryAttestationFacts,
  storedSignatureFacts,
  type GatheredFacts,
  type PackageToJudge,
  type TrustContext,
} from './gather.js';
export { InstallRefusedError, judge, PolicyRefusedError, type Judgement } from './judge.js';
export { trustContextFor } from './context.js';
export { seenSigners, trustedSigners } from './trust-on-first-use.js';
export { failedFact, verifySignature } from './verify-signature.js';
