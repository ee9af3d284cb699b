import {
  aamHome,
  PLUGIN_SETTINGS,
  SIGNATURE_VERIFIER,
  type AamPlugin,
  type PluginSettings,
} from '@aam/core/plugin';
import { RegistryAttestationVerifier } from './verifier.js';

export {
  RegistryAttestationVerifier,
  REGISTRY_ATTESTATION,
  type AttestationVerifierOptions,
  type RegistryAttestationFact,
} from './verifier.js';
export {
  AttestationFormatError,
  decodeCanonicalBase64,
  DSSE_MEDIA_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  looksLikePublishAttestation,
  MAX_ENVELOPE_BYTES,
  pae,
  parseEnvelope,
  parseScanEvidence,
  parseStatement,
  PUBLISH_PREDICATE,
  type PublishPolicyRecord,
  type ScanEvidence,
  type ScanRecord,
  type DsseEnvelope,
  type ParsedEnvelope,
  publishStatement,
  signStatement,
  type PublishStatementInput,
  type PublishStatement,
} from './format.js';

/**
 * Built-in registry attestation plugin: verifies the DSSE/in-toto attestations an HTTP registry signs for what
 * it accepted, against the keys pinned for that registry (`aam registry add`, `aam registry trust-key`) and the
 * registry's audit log. The registry signs them itself (`aam registry serve`): there is no client-side signer.
 */
export const plugin: AamPlugin = {
  name: '@aam/plugin-attestation',
  register(container) {
    const settings: Partial<PluginSettings> = container.isRegistered(PLUGIN_SETTINGS, true)
      ? container.resolve(PLUGIN_SETTINGS)
      : {};
    container.register(SIGNATURE_VERIFIER, {
      useValue: new RegistryAttestationVerifier({
        home: settings.home ?? aamHome(),
        registries: settings.registries ?? [],
      }),
    });
  },
};

export default plugin;
