import { Args, Flags } from '@oclif/core';
import { AamError, openHttpRegistry, parsePackageSpec } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { ok } from '../style.js';

/** `NAME@VERSION` with an exact version (these commands act on one published version). */
export function exactVersionSpec(spec: string): { name: string; version: string } {
  const parsed = parsePackageSpec(spec);
  if (parsed.selector.$case !== 'version')
    throw new AamError('INVALID_SPEC', `'${spec}': give an exact version, NAME@1.2.3`, { spec });
  return { name: parsed.name, version: parsed.selector.version };
}

export default class Yank extends AamCommand {
  static override summary = 'Yank a version (or undo it with --undo): ranges and tags stop resolving to it.';
  static override description = `A yanked version stays downloadable by its exact version (installs warn), so
lock files keep working; it is never deleted and its number is never reused. Owners only.`;
  static override examples = [
    '<%= config.bin %> yank @acme/tool@1.2.0 --reason "breaks on Windows"',
    '<%= config.bin %> yank @acme/tool@1.2.0 --undo',
  ];
  static override args = { spec: Args.string({ description: 'NAME@VERSION', required: true }) };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
    reason: Flags.string({ description: 'why (shown to people who install it; at most 280 characters)' }),
    undo: Flags.boolean({ description: 'un-yank the version', exclusive: ['reason'] }),
  };

  async run() {
    const { args, flags } = await this.parse(Yank);
    const { name, version } = exactVersionSpec(args.spec);
    const { registry } = openHttpRegistry(this.config_().config.registries, flags.registry, "'aam yank'");
    const r = await registry.yank(name, version, {
      undo: flags.undo,
      ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
    });
    const id = `${name}@${version}`;
    if (flags.undo)
      this.log(r.changed ? ok(`Un-yanked ${id} on '${registry.name}'`) : `${id} was not yanked`);
    else this.log(r.changed ? ok(`Yanked ${id} on '${registry.name}'`) : `${id} was already yanked`);
    return {
      registry: registry.name,
      name,
      version,
      yanked: !flags.undo,
      changed: r.changed,
      audit_index: r.audit_index,
    };
  }
}
