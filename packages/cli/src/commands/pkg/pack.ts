import { basename } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { archiveLimits, formatSize, packPackage } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class PkgPack extends AamCommand {
  static override summary = 'Build a reproducible .aam archive and print its SHA-256 checksum.';
  static override description = `The same tree always gives the same bytes: entries sorted, owners and times zeroed
(or SOURCE_DATE_EPOCH), modes 0644/0755. Excluded: .git/ .aam/ node_modules/ __pycache__/ .DS_Store *.tmp *.temp
*.aam and the patterns in .aamignore. Archives over the size limit (50 MB) are refused.`;
  static override examples = [
    '<%= config.bin %> pkg pack',
    '<%= config.bin %> pkg pack ./my-package --output dist',
  ];
  static override args = { path: Args.directory({ description: 'package directory', default: '.' }) };
  static override flags = {
    output: Flags.directory({
      char: 'o',
      description: 'directory for the archive (default: the package directory)',
    }),
  };

  async run() {
    const { args, flags } = await this.parse(PkgPack);
    const { config } = this.config_();
    const r = await packPackage(args.path, {
      maxArchiveSize: archiveLimits(config.limits).maxArchiveSize,
      ...(flags.output ? { outDir: flags.output } : {}),
    });
    this.log(ok(`Built ${basename(r.file)} (${formatSize(r.size)})`));
    this.log(`Checksum: ${r.checksum}`);
    return {
      file: r.file,
      size: r.size,
      checksum: r.checksum,
      name: r.manifest.name,
      version: r.manifest.version,
      entries: r.entries,
    };
  }
}
