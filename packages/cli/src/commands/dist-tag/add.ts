import { Args, Flags } from '@oclif/core';
import { assertTag, openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';
import { exactVersionSpec } from '../yank.js';

export default class DistTagAdd extends AamCommand {
  static override summary = 'Point a dist-tag at a version (owners; not at a yanked or unapproved version).';
  static override examples = ['<%= config.bin %> dist-tag add @acme/tool@1.2.0 beta'];
  static override args = {
    spec: Args.string({ description: 'NAME@VERSION', required: true }),
    tag: Args.string({ description: 'tag name', required: true }),
  };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { args, flags } = await this.parse(DistTagAdd);
    const { name, version } = exactVersionSpec(args.spec);
    assertTag(args.tag);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam dist-tag add'",
    );
    const r = await registry.setDistTag(name, args.tag, version);
    this.log(ok(`${name}: ${args.tag} → ${version} on '${registry.name}'`));
    return { registry: registry.name, name, tag: args.tag, version, audit_index: r.audit_index };
  }
}
