import { Args, Flags } from '@oclif/core';
import { assertPackageName, assertTag, openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class DistTagRm extends AamCommand {
  static override summary = "Remove a dist-tag (owners; 'latest' cannot be removed, only moved).";
  static override examples = ['<%= config.bin %> dist-tag rm @acme/tool beta'];
  static override args = {
    name: Args.string({ description: 'package name', required: true }),
    tag: Args.string({ description: 'tag name', required: true }),
  };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { args, flags } = await this.parse(DistTagRm);
    assertPackageName(args.name);
    assertTag(args.tag);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam dist-tag rm'",
    );
    await registry.removeDistTag(args.name, args.tag);
    this.log(ok(`${args.name}: removed tag ${args.tag} on '${registry.name}'`));
    return { registry: registry.name, name: args.name, tag: args.tag, removed: true };
  }
}
