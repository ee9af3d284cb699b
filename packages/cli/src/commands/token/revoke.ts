import { Args, Flags } from '@oclif/core';
import { openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class TokenRevoke extends AamCommand {
  static override summary = 'Revoke a token: the registry refuses it from the next request on.';
  static override examples = ['<%= config.bin %> token revoke 5f0c...'];
  static override args = { id: Args.string({ description: 'token id (aam token list)', required: true }) };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { args, flags } = await this.parse(TokenRevoke);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam token revoke'",
    );
    await registry.revokeToken(args.id);
    this.log(ok(`Revoked token ${args.id} on '${registry.name}'`));
    return { registry: registry.name, id: args.id, revoked: true };
  }
}
