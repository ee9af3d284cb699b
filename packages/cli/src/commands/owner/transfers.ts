import { Flags } from '@oclif/core';
import { openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';

export default class OwnerTransfers extends AamCommand {
  static override summary = 'List pending ownership transfers offered to you or by you.';
  static override aliases = ['owner:ls-transfers'];
  static override examples = ['<%= config.bin %> owner transfers'];
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { flags } = await this.parse(OwnerTransfers);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam owner transfers'",
    );
    const items = await registry.transfers();
    if (items.length === 0) this.log(`No pending transfers on '${registry.name}'`);
    for (const t of items)
      this.log(`${t.id}  ${t.package}  ${t.from} -> ${t.to}  (expires ${t.expires_at.slice(0, 10)})`);
    return { registry: registry.name, transfers: items };
  }
}
