import type { AamPlugin } from '@aam/core';

/** Built-in gpg plugin. Wired into start-up; it registers its signer and verifier once they exist. */
export const plugin: AamPlugin = {
  name: '@aam/plugin-gpg',
  register() {
    // Nothing yet: see the gpg issue.
  },
};

export default plugin;
