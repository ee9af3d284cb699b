import { Flags } from '@oclif/core';
import { buildPolicyBundle } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class PolicyBuild extends AamCommand {
  static override summary =
    'Compile the trust policy (config + default Rego + policy.modules) to a WASM bundle.';
  static override description = `Runs 'opa build -t wasm' with the capabilities in policies/capabilities.json (built-ins native in
WASM only). The bundle can be shipped and used with 'policy.bundle: PATH'; it carries its config compiled in.`;
  static override examples = ['<%= config.bin %> policy build -o corp-policy.tar.gz'];
  static override flags = {
    output: Flags.string({ char: 'o', description: 'bundle file to write', default: 'aam-policy.tar.gz' }),
  };

  async run() {
    const { flags } = await this.parse(PolicyBuild);
    const loaded = this.config_();
    const r = await buildPolicyBundle(loaded.config, loaded.layers, flags.output);
    this.log(ok(`Built ${r.output}`));
    for (const f of r.files) this.log(`  ${f}`);
    return r;
  }
}
