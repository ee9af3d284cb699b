import {
  aamHome,
  PLUGIN_SETTINGS,
  SIGNATURE_VERIFIER,
  SIGNER,
  type AamPlugin,
  type PluginSettings,
} from '@aam/core/plugin';
import { SigstoreSigner } from './signer.js';
import { SigstoreVerifier } from './verifier.js';

export { SigstoreSigner, type SigstoreSignOptions, PUBLIC_FULCIO_URL, PUBLIC_REKOR_URL } from './signer.js';
export {
  SigstoreVerifier,
  KNOWN_BUNDLE_TYPES,
  sharedChainCache,
  type SigstoreVerifierOptions,
} from './verifier.js';
export { ChainCache } from './chain-cache.js';
export {
  cachedRootPath,
  checkTrustedRootJson,
  chooseTrustedRoot,
  loadTrustedRoot,
  VENDORED_ROOT,
  type RootChoice,
} from './trusted-root.js';
export { updateTrustedRoot, type UpdateRootOptions, type UpdateRootResult } from './update-root.js';
export { resolveIdentityToken, DEFAULT_OIDC_ISSUER, DEFAULT_OIDC_CLIENT_ID } from './identity-token.js';

/** Built-in Sigstore plugin: keyless signer (Fulcio + Rekor [+ TSA]) and an offline bundle verifier. */
export const plugin: AamPlugin = {
  name: '@aam/plugin-sigstore',
  register(container) {
    const settings: PluginSettings = container.isRegistered(PLUGIN_SETTINGS, true)
      ? container.resolve(PLUGIN_SETTINGS)
      : { security: { sigstore: {} } as PluginSettings['security'], home: aamHome() };
    const sigstore = settings.security.sigstore ?? {};
    container.register(SIGNATURE_VERIFIER, {
      useValue: new SigstoreVerifier({
        home: settings.home,
        ...(sigstore.trusted_root ? { trustedRoot: sigstore.trusted_root } : {}),
      }),
    });
    container.register(SIGNER, { useValue: new SigstoreSigner(sigstore) });
  },
};

export default plugin;
