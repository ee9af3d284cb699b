import { Args, Flags } from '@oclif/core';
import { addRegistryToConfig, globalConfigPath, initLocalRegistry, localRegistryUrl } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class RegistryInit extends AamCommand {
  static override summary = 'Create a local (directory) registry.';
  static override description =
    'Creates registry.yaml, index.yaml and packages/ in PATH. With --default, also adds it to the global config as the default registry.';
  static override examples = [
    '<%= config.bin %> registry init ~/aam-registry',
    '<%= config.bin %> registry init ./registry --default',
  ];
  static override args = { path: Args.string({ description: 'directory for the registry', required: true }) };
  static override flags = {
    name: Flags.string({ description: 'registry name (default: the directory name)' }),
    default: Flags.boolean({ description: 'also add it to the global config as the default registry' }),
  };

  async run() {
    const { args, flags } = await this.parse(RegistryInit);
    const { root, info } = await initLocalRegistry(args.path, flags.name);
    this.log(ok(`Created local registry '${info.name}' at ${root}`));
    if (flags.default) {
      await addRegistryToConfig(globalConfigPath(), {
        name: info.name,
        url: localRegistryUrl(root),
        default: true,
      });
      this.log(ok(`Added '${info.name}' as the default registry`));
    } else {
      this.log(`Add it with: aam registry add ${info.name} ${localRegistryUrl(root)} --default`);
    }
    return { name: info.name, path: root, url: localRegistryUrl(root), default: flags.default };
  }
}
