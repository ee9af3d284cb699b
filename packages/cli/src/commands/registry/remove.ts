import { Args } from '@oclif/core';
import { globalConfigPath, removeRegistryFromConfig } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class RegistryRemove extends AamCommand {
  static override summary = 'Remove a registry from the global config (its files are left alone).';
  static override examples = ['<%= config.bin %> registry remove local'];
  static override args = { name: Args.string({ description: 'registry name', required: true }) };

  async run() {
    const { args } = await this.parse(RegistryRemove);
    await removeRegistryFromConfig(globalConfigPath(), args.name);
    this.log(ok(`Removed registry '${args.name}'`));
    return { removed: args.name };
  }
}
