import { Args, Flags } from '@oclif/core';
import { existsSync } from 'node:fs';
import {
  configKeyPath,
  globalConfigPath,
  parseConfigValue,
  projectConfigPath,
  setConfigKeys,
  unsetConfigKey,
} from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class ConfigSet extends AamCommand {
  static override summary =
    'Set (or --unset) one setting in the project or global config file, keeping its comments.';
  static override description = `Writes .aam/config.yaml in the current directory (the project's), or with --global
$AAM_HOME/config.yaml ($AAM_CONFIG when set). VALUE is read as YAML: true, 30, "24h", [a@example.org, "*@example.com"],
{identity: a@example.org, issuer: https://accounts.google.com}. The file is validated before it is replaced
(atomically): a value the schema refuses, or a key it does not have, changes nothing (exit 2).`;
  static override examples = [
    '<%= config.bin %> config set security.require_signature true',
    '<%= config.bin %> config set security.trusted_identities \'[alice@example.org, "*@example.com"]\' --global',
    '<%= config.bin %> config set network.timeout 10',
    '<%= config.bin %> config set security.on_signature_failure --unset',
  ];
  static override args = {
    key: Args.string({ description: 'dotted config key', required: true }),
    value: Args.string({ description: 'the value (YAML)' }),
  };
  static override flags = {
    global: Flags.boolean({
      char: 'g',
      description: 'edit the global config file instead of the project one',
    }),
    unset: Flags.boolean({
      description: 'remove the key from the file (the next layer, or the default, applies)',
    }),
  };

  async run() {
    const { args, flags } = await this.parse(ConfigSet);
    const path = configKeyPath(args.key);
    const file = flags.global ? globalConfigPath() : projectConfigPath(process.cwd());
    if (flags.unset) {
      if (args.value !== undefined) this.error('--unset takes no VALUE', { exit: 2 });
      const removed = existsSync(file) && (await unsetConfigKey(file, path));
      this.log(removed ? ok(`Removed ${args.key} from ${file}`) : `${args.key} is not set in ${file}`);
      return { key: args.key, file, removed };
    }
    if (args.value === undefined) this.error(`Give a VALUE for ${args.key} (or --unset)`, { exit: 2 });
    const value = parseConfigValue(args.value);
    await setConfigKeys(file, [[path, value]]);
    this.log(ok(`Set ${args.key} = ${JSON.stringify(value)} in ${file}`));
    return { key: args.key, value, file };
  }
}
