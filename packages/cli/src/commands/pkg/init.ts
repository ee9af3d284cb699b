import { Args, Flags } from '@oclif/core';
import { initPackageFlow } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class PkgInit extends AamCommand {
  static override summary = 'Create aam.yaml and an example skill in a directory.';
  static override description =
    'Writes a starter manifest (name, version, description, one skill artifact) so that `aam pkg pack` works at once.';
  static override examples = [
    '<%= config.bin %> pkg init',
    '<%= config.bin %> pkg init ./my-skills --name @me/my-skills --version 1.0.0',
  ];
  static override args = { path: Args.directory({ description: 'package directory', default: '.' }) };
  static override flags = {
    name: Flags.string({
      description: "package name ('name' or '@scope/name'); default: the directory name",
    }),
    version: Flags.string({ description: 'SemVer version', default: '0.1.0' }),
    description: Flags.string({ description: 'one-line description (1-256 characters)' }),
    force: Flags.boolean({ description: 'overwrite an existing aam.yaml' }),
  };

  async run() {
    const { args, flags } = await this.parse(PkgInit);
    const r = await initPackageFlow({
      dir: args.path,
      version: flags.version,
      force: flags.force,
      ...(flags.name ? { name: flags.name } : {}),
      ...(flags.description ? { description: flags.description } : {}),
    });
    this.log(ok(`Created ${r.manifestPath} for ${r.manifest.name}@${r.manifest.version}`));
    return { manifest_path: r.manifestPath, manifest: r.manifest };
  }
}
