import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPluginContainer, DEFAULT_CONFIG, verifiersOf, type SignatureVerifier } from '@aam/core';
import { plugin as attestation } from '../../../plugin-attestation/src/index.js';
import { plugin as gpg } from '../../../plugin-gpg/src/index.js';
import { plugin as sigstore } from '../../../plugin-sigstore/src/index.js';

/**
 * The verifiers `aam registry serve` gets from its plugin container with the default config: the built-in
 * plugins, registered the way the CLI registers them.
 */
export async function builtinVerifiers(): Promise<SignatureVerifier[]> {
  const home = mkdtempSync(join(tmpdir(), 'aam-server-home-'));
  const container = await createPluginContainer([sigstore, gpg, attestation], {
    settings: { security: DEFAULT_CONFIG.security, home, registries: [] },
  });
  return verifiersOf(container);
}
