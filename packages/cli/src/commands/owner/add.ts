import { Args, Flags } from '@oclif/core';
import { assertPackageName, openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class OwnerAdd extends AamCommand {
  static override summary = 'Add a co-owner to a package (owners only).';
  static override examples = ['<%= config.bin %> owner add @acme/tool bob'];
  static override args = {
    name: Args.string({ description: 'package name', required: true }),
    user: Args.string({ description: 'user name', required: true }),
  };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { args, flags } = await this.parse(OwnerAdd);
    assertPackageName(args.name);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam owner add'",
    );
    const { changed } = await registry.addOwner(args.name, args.user);
    this.log(
      changed
        ? ok(`${args.user} is now an owner of ${args.name} on '${registry.name}'`)
        : `${args.user} already owns ${args.name}`,
    );
    return { registry: registry.name, name: args.name, user: args.user, changed };
  }
}
