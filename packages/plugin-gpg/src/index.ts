import { join } from 'node:path';
import {
  PLUGIN_SETTINGS,
  SIGNATURE_VERIFIER,
  SIGNER,
  type AamPlugin,
  type PluginSettings,
} from '@aam/core/plugin';
import { GpgSigner } from './signer.js';
import { GpgVerifier } from './verifier.js';

export { GpgSigner, type GpgSignOptions } from './signer.js';
export { GpgVerifier, type GpgVerifierOptions } from './verifier.js';
export { normalizeFingerprint, sniffGpg, type GpgEnvelope } from './envelope.js';

/** Built-in GPG plugin: GnuPG / OpenPGP.js signer and OpenPGP.js verifier. */
export const plugin: AamPlugin = {
  name: '@aam/plugin-gpg',
  register(container) {
    const settings: Partial<PluginSettings> = container.isRegistered(PLUGIN_SETTINGS, true)
      ? container.resolve(PLUGIN_SETTINGS)
      : {};
    // Every copy of every key seen is kept under aam's home, so a revocation once seen is never forgotten.
    const keyring = settings.home ? join(settings.home, 'keys', 'openpgp') : undefined;
    container.register(SIGNATURE_VERIFIER, { useValue: new GpgVerifier(keyring ? { keyring } : {}) });
    container.register(SIGNER, { useValue: new GpgSigner() });
  },
};

export default plugin;
