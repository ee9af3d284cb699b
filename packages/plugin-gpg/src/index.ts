import { SIGNATURE_VERIFIER, SIGNER, type AamPlugin } from '@aam/core/plugin';
import { GpgSigner } from './signer.js';
import { GpgVerifier } from './verifier.js';

export { GpgSigner, type GpgSignOptions } from './signer.js';
export { GpgVerifier } from './verifier.js';
export { normalizeFingerprint, sniffGpg, type GpgEnvelope } from './envelope.js';

/** Built-in GPG plugin: GnuPG / OpenPGP.js signer and OpenPGP.js verifier. */
export const plugin: AamPlugin = {
  name: '@aam/plugin-gpg',
  register(container) {
    container.register(SIGNATURE_VERIFIER, { useValue: new GpgVerifier() });
    container.register(SIGNER, { useValue: new GpgSigner() });
  },
};

export default plugin;
