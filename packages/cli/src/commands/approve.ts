import { Args, Flags } from '@oclif/core';
import { openHttpRegistry } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { ok } from '../style.js';
import { exactVersionSpec } from './yank.js';

/** `aam approve` and `aam reject`: one decision on a pending version (approvers; never their own publish). */
export abstract class DecisionCommand extends AamCommand {
  static override args = { spec: Args.string({ description: 'NAME@VERSION', required: true }) };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
    comment: Flags.string({ description: 'a note kept with the decision (at most 1000 characters)' }),
  };
  protected abstract readonly decision: 'approve' | 'reject';

  async run() {
    const { args, flags } = await this.parse(this.constructor as typeof Approve);
    const { name, version } = exactVersionSpec(args.spec);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      `'aam ${this.decision}'`,
    );
    const r = await registry.decideApproval(name, version, this.decision, flags.comment);
    const id = `${name}@${version}`;
    this.log(
      ok(
        this.decision === 'approve'
          ? `Approved ${id} on '${registry.name}': it can be installed now`
          : `Rejected ${id} on '${registry.name}': it stays hidden and its version number is spent`,
      ),
    );
    return {
      registry: registry.name,
      name,
      version,
      approval_status: r.approval_status,
      audit_index: r.audit_index,
    };
  }
}

export default class Approve extends DecisionCommand {
  static override summary = 'Approve a pending version (approvers only; nobody approves their own publish).';
  static override examples = ['<%= config.bin %> approve @acme/tool@1.2.0 --comment "reviewed"'];
  // oclif copies a command's own statics only (`{...ctor}`): inherited args would be lost.
  static override args = DecisionCommand.args;
  static override flags = DecisionCommand.flags;
  protected readonly decision = 'approve' as const;
}
