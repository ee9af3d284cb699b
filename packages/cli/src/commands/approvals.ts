import { Flags } from '@oclif/core';
import { openHttpRegistry } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { bold } from '../style.js';

export default class Approvals extends AamCommand {
  static override summary = 'List the versions waiting for an approver, and why each waits (approvers only).';
  static override description = `Each pending version with what held it: the registry's publish policy reasons
(finding_needs_review, new_signer, ...) and the scanners' findings (scanner, rule, file and line; never a secret's
value), or "every publish waits" when the registry runs with --require-approval. Decide with 'aam approve' or
'aam reject' (never your own publish).`;
  static override examples = [
    '<%= config.bin %> approvals',
    '<%= config.bin %> approvals --registry corp --json',
  ];
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { flags } = await this.parse(Approvals);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam approvals'",
    );
    const items = await registry.approvalQueue();
    if (items.length === 0) this.log(`Nothing waits for approval on '${registry.name}'`);
    for (const v of items) {
      this.log(bold(`${v.name}@${v.version}`) + `  (published ${v.published_at})`);
      this.log(
        `  Held by: ${v.held_by.length ? v.held_by.join(', ') : 'every publish waits for an approver'}`,
      );
      for (const f of v.findings)
        this.log(`  - ${f.scanner}: ${f.rule} (${f.severity}) in ${f.path}${f.line ? `:${f.line}` : ''}`);
    }
    if (items.length > 0)
      this.log(`Decide with: aam approve NAME@VERSION (or aam reject), never your own publish`);
    return { registry: registry.name, items };
  }
}
