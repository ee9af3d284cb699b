import { noRegistriesError } from '@aam/core';
import { AamCommand } from '../../base-command.js';

export default class RegistryList extends AamCommand {
  static override summary = 'List configured registries, in search order.';
  static override examples = ['<%= config.bin %> registry list', '<%= config.bin %> registry list --json'];

  async run() {
    await this.parse(RegistryList);
    const { registries } = this.config_().config;
    if (registries.length === 0) this.log(noRegistriesError().message);
    for (const r of registries) this.log(`${r.name}\t${r.url}${r.default ? '\t(default)' : ''}`);
    return { registries };
  }
}
