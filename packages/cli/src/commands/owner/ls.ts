import { Args, Flags } from '@oclif/core';
import { assertPackageName, openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';

export default class OwnerLs extends AamCommand {
  static override summary = "List a package's owners.";
  static override examples = ['<%= config.bin %> owner ls @acme/tool'];
  static override args = { name: Args.string({ description: 'package name', required: true }) };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { args, flags } = await this.parse(OwnerLs);
    assertPackageName(args.name);
    const { registry } = openHttpRegistry(this.config_().config.registries, flags.registry, "'aam owner ls'");
    const owners = await registry.owners(args.name);
    for (const o of owners) this.log(o);
    return { registry: registry.name, name: args.name, owners };
  }
}
