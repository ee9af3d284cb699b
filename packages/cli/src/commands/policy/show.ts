import { configToRego, customModuleFiles } from '@aam/core';
import { AamCommand } from '../../base-command.js';

export default class PolicyShow extends AamCommand {
  static override summary =
    'Print the Rego module generated from config.yaml (the config as data, never code).';
  static override description = `The security section of the merged config becomes one JSON literal in package aam.config,
which the default policy (policies/aam/trust) reads as data.aam.config.security. Enterprise modules from
policy.modules are compiled beside it.`;
  static override examples = ['<%= config.bin %> policy show', '<%= config.bin %> policy show --json'];

  async run() {
    await this.parse(PolicyShow);
    const loaded = this.config_();
    const rego = configToRego(
      loaded.config.security,
      loaded.layers.map((l) => l.file).join(' + ') || 'defaults',
    );
    const modules = await customModuleFiles(loaded.config, loaded.layers);
    process.stdout.write(this.jsonEnabled() ? '' : rego);
    return { rego, modules, bundle: loaded.config.policy.bundle ?? null };
  }
}
