import { Args, Flags } from '@oclif/core';
import { openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

/** `aam owner accept` and `aam owner decline`: the recipient's answer to a transfer offer. */
export abstract class TransferAnswer extends AamCommand {
  static override args = {
    id: Args.string({ description: 'transfer id (aam owner transfers)', required: true }),
  };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };
  protected abstract readonly answer: 'accept' | 'decline';

  async run() {
    const { args, flags } = await this.parse(this.constructor as typeof OwnerAccept);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      `'aam owner ${this.answer}'`,
    );
    const r = await registry.answerTransfer(args.id, this.answer);
    this.log(
      ok(
        r.status === 'accepted'
          ? `You now own ${r.package ?? 'the package'} on '${registry.name}'`
          : `Declined transfer ${args.id} on '${registry.name}'`,
      ),
    );
    return { registry: registry.name, id: args.id, status: r.status, package: r.package };
  }
}

export default class OwnerAccept extends TransferAnswer {
  static override summary = 'Accept a package ownership transfer offered to you.';
  static override examples = ['<%= config.bin %> owner accept 7d2c...'];
  // oclif copies a command's own statics only (`{...ctor}`): inherited args would be lost.
  static override args = TransferAnswer.args;
  static override flags = TransferAnswer.flags;
  protected readonly answer = 'accept' as const;
}
