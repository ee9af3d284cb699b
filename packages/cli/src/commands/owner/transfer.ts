import { Args, Flags } from '@oclif/core';
import { assertPackageName, openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class OwnerTransfer extends AamCommand {
  static override summary =
    'Offer a package to another user; it moves when they accept (offers expire in 7 days).';
  static override description = `Ownership moves in two steps so nobody receives a package by a typo: this offers
it, and the recipient runs 'aam owner accept ID' (they can list offers with 'aam owner transfers'). On
acceptance you stop being an owner and the registry's audit log records one ownership.transfer event.`;
  static override examples = ['<%= config.bin %> owner transfer @acme/tool bob'];
  static override args = {
    name: Args.string({ description: 'package name', required: true }),
    user: Args.string({ description: 'the recipient', required: true }),
  };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { args, flags } = await this.parse(OwnerTransfer);
    assertPackageName(args.name);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam owner transfer'",
    );
    const r = await registry.offerTransfer(args.name, args.user);
    this.log(ok(`Offered ${args.name} to ${args.user} on '${registry.name}' (transfer ${r.id})`));
    this.log(`  ${args.user} accepts with: aam owner accept ${r.id}`);
    return { registry: registry.name, name: args.name, to: args.user, id: r.id, status: r.status };
  }
}
