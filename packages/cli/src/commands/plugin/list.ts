import { pluginsOf, signersOf, verifiersOf } from '@aam/core';
import { AamCommand } from '../../base-command.js';

export default class PluginList extends AamCommand {
  static override summary = 'List loaded plugins and the signers and verifiers they registered.';
  static override description = `Built-in plugins load first, then those named by 'plugins:' in config.yaml (npm
package names or paths, relative to that file) and by $AAM_PLUGINS (comma-separated).`;
  static override examples = ['<%= config.bin %> plugin list --json'];

  async run() {
    await this.parse(PluginList);
    const c = await this.pluginContainer();
    const plugins = pluginsOf(c).map((p) => p.name);
    const verifiers = verifiersOf(c).map((v) => v.type);
    const signers = signersOf(c).map((s) => s.type);
    for (const p of plugins) this.log(`plugin    ${p}`);
    for (const v of verifiers) this.log(`verifier  ${v}`);
    for (const s of signers) this.log(`signer    ${s}`);
    return { plugins, verifiers, signers };
  }
}
