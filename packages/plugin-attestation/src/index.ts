import type { AamPlugin } from '@aam/core';

/** Built-in attestation plugin. Wired into start-up; it registers its signer and verifier once they exist. */
export const plugin: AamPlugin = {
  name: '@aam/plugin-attestation',
  register() {
    // Nothing yet: see the attestation issue.
  },
};

export default plugin;
