// Locations of the built workspace: @aam/core's ESM entry, the GPG plugin and the `aam` CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CORE_URL = new URL('../../packages/core/dist/index.js', import.meta.url).href;
export const PLUGIN_GPG_URL = new URL('../../packages/plugin-gpg/dist/index.js', import.meta.url).href;
export const CLI_BIN = fileURLToPath(new URL('../../packages/cli/bin/run.js', import.meta.url));

/** Throws a helpful error if the TypeScript build has not been run. */
export function assertBuilt() {
  const missing = [
    fileURLToPath(CORE_URL),
    fileURLToPath(PLUGIN_GPG_URL),
    fileURLToPath(new URL('../../packages/cli/dist', import.meta.url)),
  ].filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`Not built (missing ${missing.join(', ')}); run \`npx tsc -b\` first.`);
}

export function loadCore() {
  return import(CORE_URL);
}

/** The built @aam/plugin-gpg (GpgSigner, GpgVerifier). */
export function loadGpgPlugin() {
  return import(PLUGIN_GPG_URL);
}
