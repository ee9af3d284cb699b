// Writes packages/cli/oclif.manifest.json so that `aam --version` and `--help` need not import any command.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli');
const { Plugin } = createRequire(join(cli, 'package.json'))('@oclif/core');
const plugin = new Plugin({
  root: cli,
  type: 'core',
  isRoot: true,
  ignoreManifest: true,
  errorOnManifestCreate: true,
});
await plugin.load();
writeFileSync(join(cli, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n');
