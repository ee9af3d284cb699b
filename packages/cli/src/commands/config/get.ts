import { Args } from '@oclif/core';
import { configKeyPath, configValueAt } from '@aam/core';
import { stringify } from 'yaml';
import { AamCommand } from '../../base-command.js';

export default class ConfigGet extends AamCommand {
  static override summary = 'Print one setting of the merged configuration, and the file that set it.';
  static override description = `KEY is a dotted path: security.require_signature, security.trusted_identities,
registries.0.url, limits.max_archive_size. The value is the one in force (defaults < global < project); a section
prints as YAML. A key the configuration schema does not have is an error (exit 2) with the closest key.`;
  static override examples = [
    '<%= config.bin %> config get security.require_signature',
    '<%= config.bin %> config get security --json',
  ];
  static override args = { key: Args.string({ description: 'dotted config key', required: true }) };

  async run() {
    const { args } = await this.parse(ConfigGet);
    const path = configKeyPath(args.key);
    const loaded = this.config_();
    const value = configValueAt(loaded.config, path);
    // The highest file that sets it; else the built-in default.
    const layer = [...loaded.layers].reverse().find((l) => configValueAt(l.value, path) !== undefined);
    if (value === undefined) this.log('(not set)');
    else if (value !== null && typeof value === 'object') this.log(stringify(value).trimEnd());
    else this.log(String(value));
    return { key: args.key, value: value ?? null, source: layer?.file ?? 'default' };
  }
}
