import { basename } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { formatSize, publishFlow } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class PkgPublish extends AamCommand {
  static override summary = 'Publish a package (directory or .aam archive) to a registry.';
  static override description = `A directory is packed first (reproducibly). The archive is checked with the same
hostile-input rules as install, its identity read from the aam.yaml inside, and its SHA-256 stored in the
registry's metadata.yaml. A published version is immutable: publishing it again is refused.`;
  static override examples = [
    '<%= config.bin %> pkg publish',
    '<%= config.bin %> pkg publish ./my-package --registry local --tag beta',
    '<%= config.bin %> pkg publish my-package-1.0.0.aam --dry-run',
  ];
  static override args = {
    path: Args.string({ description: 'package directory or .aam archive', default: '.' }),
  };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
    tag: Flags.string({ char: 't', description: 'dist-tag to point at this version', default: 'latest' }),
    'dry-run': Flags.boolean({ description: 'check everything, write nothing' }),
  };

  async run() {
    const { args, flags } = await this.parse(PkgPublish);
    const { config } = this.config_();
    const r = await publishFlow({
      path: args.path,
      config,
      tag: flags.tag,
      dryRun: flags['dry-run'],
      ...(flags.registry ? { registry: flags.registry } : {}),
    });
    if (r.packed) this.log(ok(`Built ${basename(r.packed.file)} (${formatSize(r.packed.size)})`));
    this.log(`Checksum: ${r.checksum}`);
    if (r.dryRun)
      this.log(`Dry run: would publish ${r.name}@${r.version} to '${r.registry}' (tag: ${flags.tag})`);
    else
      this.log(
        ok(`Published ${r.name}@${r.version} to '${r.registry}' (tags: ${r.outcome!.tags.join(', ')})`),
      );
    return {
      name: r.name,
      version: r.version,
      checksum: r.checksum,
      size: r.size,
      registry: r.registry,
      archive: r.archive,
      dryRun: r.dryRun,
      tags: r.outcome?.tags ?? [],
    };
  }
}
