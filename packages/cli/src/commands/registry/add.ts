import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { AamError, addRegistryToConfig, globalConfigPath, localRegistryPath, LocalRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class RegistryAdd extends AamCommand {
  static override summary = 'Add a registry to the global config.';
  static override description =
    'URL is file://PATH for a local registry. Registries are searched in config order, the default first.';
  static override examples = ['<%= config.bin %> registry add local file:///home/me/aam-registry --default'];
  static override args = {
    name: Args.string({ description: 'registry name', required: true }),
    url: Args.string({ description: 'file://PATH', required: true }),
  };
  static override flags = { default: Flags.boolean({ description: 'make it the default registry' }) };

  async run() {
    const { args, flags } = await this.parse(RegistryAdd);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(args.name)) {
      throw new AamError(
        'USAGE',
        `Invalid registry name '${args.name}': letters, digits, '.', '_' and '-', at most 64`,
      );
    }
    if (args.url.startsWith('file://')) {
      const path = localRegistryPath(args.url);
      if (!existsSync(path)) throw new AamError('USAGE', `Registry path does not exist: ${path}`);
      if (!existsSync(join(path, 'registry.yaml')))
        throw new AamError(
          'USAGE',
          `${path} is not a registry (no registry.yaml): run 'aam registry init ${path}'`,
        );
      LocalRegistry.open(args.name, args.url);
    } else {
      throw new AamError(
        'USAGE',
        `Unsupported registry URL '${args.url}': this build supports file:// registries`,
      );
    }
    const file = globalConfigPath();
    await addRegistryToConfig(file, { name: args.name, url: args.url, default: flags.default });
    this.log(ok(`Added registry '${args.name}' (${args.url})${flags.default ? ' as default' : ''}`));
    return { name: args.name, url: args.url, default: flags.default, config: file };
  }
}
