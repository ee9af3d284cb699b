import { stringify } from 'yaml';
import { AamCommand } from '../../base-command.js';

export default class ConfigList extends AamCommand {
  static override summary = 'Print the merged configuration (defaults < global < project).';
  static override examples = ['<%= config.bin %> config list', '<%= config.bin %> config list --json'];

  async run() {
    await this.parse(ConfigList);
    const loaded = this.config_();
    this.log(stringify(loaded.config).trimEnd());
    return { config: loaded.config, files: loaded.layers.map((l) => ({ file: l.file, scope: l.scope })) };
  }
}
