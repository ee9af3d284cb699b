import { Args, Flags } from '@oclif/core';
import { openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok, warn } from '../../style.js';

export default class UserAdd extends AamCommand {
  static override summary = "Create a registry user (admins only) and print the user's first token once.";
  static override description = `Roles: user (publish, yank, tag and own packages), approver (also approves or rejects
other people's publishes), admin (everything, including users). Hand the token to the user, who stores it with
'aam login'.`;
  static override examples = [
    '<%= config.bin %> user add alice',
    '<%= config.bin %> user add bob --role approver',
  ];
  static override args = {
    name: Args.string({ description: 'user name (a-z, 0-9, dot, underscore, dash)', required: true }),
  };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
    role: Flags.string({ options: ['user', 'approver', 'admin'], default: 'user', description: 'the role' }),
  };

  async run() {
    const { args, flags } = await this.parse(UserAdd);
    const { registry } = openHttpRegistry(this.config_().config.registries, flags.registry, "'aam user add'");
    const u = await registry.createUser(args.name, flags.role);
    this.log(ok(`Created user '${u.name}' (role: ${u.role}) on '${registry.name}'`));
    this.log(warn(`Token for ${u.name} (shown once; expires ${u.expires_at ?? 'never'}):`));
    this.log(`  ${u.token}`);
    return { registry: registry.name, ...u };
  }
}
