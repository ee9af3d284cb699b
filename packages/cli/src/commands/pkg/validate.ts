import { Args } from '@oclif/core';
import { loadManifest } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class PkgValidate extends AamCommand {
  static override summary = 'Check aam.yaml: required fields, name, SemVer version, artifact paths.';
  static override description = 'Exits 2 with the file, line and key of every problem found.';
  static override examples = [
    '<%= config.bin %> pkg validate',
    '<%= config.bin %> pkg validate ./my-package --json',
  ];
  static override args = { path: Args.directory({ description: 'package directory', default: '.' }) };

  async run() {
    const { args } = await this.parse(PkgValidate);
    const manifest = loadManifest(args.path);
    this.log(ok(`${manifest.name}@${manifest.version} is valid`));
    return { valid: true, manifest };
  }
}
