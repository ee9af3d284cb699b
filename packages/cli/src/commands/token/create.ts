import { Flags } from '@oclif/core';
import { AamError, openHttpRegistry } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { ok, warn } from '../../style.js';

const SCOPES = ['read', 'publish', 'yank', 'tag', 'approve', 'owner', 'audit', 'admin'];

export default class TokenCreate extends AamCommand {
  static override summary = 'Create a registry token (the secret is printed once).';
  static override description = `Scopes: ${SCOPES.join(', ')} (default: read). A token can only hand out scopes
and packages its creator's token has. Tokens with a write scope expire (default 30 days, at most 90).`;
  static override examples = [
    '<%= config.bin %> token create --name ci --scope read,publish --package "@acme/*" --expires-days 30',
    '<%= config.bin %> token create --scope read',
  ];
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
    name: Flags.string({ description: 'a label for the token', default: 'token' }),
    scope: Flags.string({
      description: `scopes, comma-separated or repeated (${SCOPES.join(', ')}); default read`,
      multiple: true,
    }),
    package: Flags.string({
      description: 'limit the token to packages: a name or @scope/* (repeatable)',
      multiple: true,
    }),
    'expires-days': Flags.integer({ description: 'days until the token expires', min: 1 }),
  };

  async run() {
    const { flags } = await this.parse(TokenCreate);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam token create'",
    );
    const scopes = (flags.scope ?? ['read'])
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    for (const s of scopes)
      if (!SCOPES.includes(s)) throw new AamError('USAGE', `Unknown scope '${s}': use ${SCOPES.join(', ')}`);
    const t = await registry.createToken({
      name: flags.name,
      scopes,
      ...(flags.package ? { packages: flags.package } : {}),
      ...(flags['expires-days'] !== undefined ? { expiresInDays: flags['expires-days'] } : {}),
    });
    this.log(ok(`Created token '${t.name}' (id ${t.id}) on '${registry.name}'`));
    this.log(`  Scopes: ${t.scopes.join(', ')}`);
    this.log(`  Packages: ${t.packages.length ? t.packages.join(', ') : 'any'}`);
    this.log(`  Expires: ${t.expires_at ?? 'never'}`);
    this.log(warn('The secret is shown once; store it now:'));
    this.log(`  ${t.token}`);
    return { registry: registry.name, ...t };
  }
}
