import { Args, Flags } from '@oclif/core';
import { assertPackageName, openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class OwnerRm extends AamCommand {
  static override summary =
    'Remove a co-owner from a package (owners only; the last owner cannot be removed).';
  static override examples = ['<%= config.bin %> owner rm @acme/tool bob'];
  static override args = {
    name: Args.string({ description: 'package name', required: true }),
    user: Args.string({ description: 'user name', required: true }),
  };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { args, flags } = await this.parse(OwnerRm);
    assertPackageName(args.name);
    const { registry } = openHttpRegistry(this.config_().config.registries, flags.registry, "'aam owner rm'");
    await registry.removeOwner(args.name, args.user);
    this.log(ok(`${args.user} no longer owns ${args.name} on '${registry.name}'`));
    return { registry: registry.name, name: args.name, user: args.user, removed: true };
  }
}
