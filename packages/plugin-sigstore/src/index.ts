import type { AamPlugin } from '@aam/core';

/** Built-in sigstore plugin. Wired into start-up; it registers its signer and verifier once they exist. */
export const plugin: AamPlugin = {
  name: '@aam/plugin-sigstore',
  register() {
    // Nothing yet: see the sigstore issue.
  },
};

export default plugin;
