import { Args, Flags } from '@oclif/core';
import { assertPackageName, openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';

export default class DistTagLs extends AamCommand {
  static override summary = "List a package's dist-tags.";
  static override examples = ['<%= config.bin %> dist-tag ls @acme/tool'];
  static override args = { name: Args.string({ description: 'package name', required: true }) };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { args, flags } = await this.parse(DistTagLs);
    assertPackageName(args.name);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam dist-tag ls'",
    );
    const tags = await registry.distTags(args.name);
    for (const [tag, version] of Object.entries(tags)) this.log(`${tag}: ${version}`);
    return { registry: registry.name, name: args.name, dist_tags: tags };
  }
}
