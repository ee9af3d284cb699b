import { Flags } from '@oclif/core';
import { credentialsPath, openHttpRegistry, readCredentials, removeRegistryToken } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { ok, warn } from '../style.js';

export default class Logout extends AamCommand {
  static override summary =
    'Forget the token stored for an HTTP registry (with --revoke, revoke it on the registry too).';
  static override examples = [
    '<%= config.bin %> logout --registry corp',
    '<%= config.bin %> logout --registry corp --revoke',
  ];
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
    revoke: Flags.boolean({ description: 'revoke the token on the registry before forgetting it' }),
  };

  async run() {
    const { flags } = await this.parse(Logout);
    const env = { ...process.env, AAM_TOKEN: '' };
    const { registry, config } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam logout'",
      env,
    );
    let revoked: string | undefined;
    if (flags.revoke && config.name in readCredentials()) {
      const current = (await registry.tokens()).find((t) => t.current);
      if (current) {
        await registry.revokeToken(current.id);
        revoked = current.id;
      }
    }
    const removed = await removeRegistryToken(config.name);
    if (removed)
      this.log(ok(`Logged out of '${config.name}'${revoked ? ` (token ${revoked} revoked)` : ''}`));
    else this.log(`No token stored for '${config.name}' in ${credentialsPath()}`);
    if (process.env.AAM_TOKEN) this.log(warn('AAM_TOKEN is still set: commands keep using it'));
    return { registry: config.name, removed, ...(revoked ? { revoked } : {}) };
  }
}
