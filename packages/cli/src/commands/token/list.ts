import { Flags } from '@oclif/core';
import { openHttpRegistry, type TokenInfo } from '@aam/core';
import { AamCommand } from '../../base-command.js';

export default class TokenList extends AamCommand {
  static override summary =
    "List your tokens on a registry (never their secrets: only each one's first characters).";
  static override examples = ['<%= config.bin %> token list --registry corp'];
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
  };

  async run() {
    const { flags } = await this.parse(TokenList);
    const { registry } = openHttpRegistry(
      this.config_().config.registries,
      flags.registry,
      "'aam token list'",
    );
    const items = await registry.tokens();
    const now = Date.now();
    const status = (t: TokenInfo) =>
      t.revoked
        ? 'revoked'
        : t.expires_at && Date.parse(t.expires_at) <= now
          ? 'expired'
          : t.current
            ? 'active (this one)'
            : 'active';
    const rows = items.map((t) => [
      t.id,
      t.name,
      `${t.prefix}…`,
      t.scopes.join(','),
      t.packages.length ? t.packages.join(',') : 'any',
      t.expires_at ? t.expires_at.slice(0, 10) : 'never',
      status(t),
    ]);
    const header = ['ID', 'NAME', 'PREFIX', 'SCOPES', 'PACKAGES', 'EXPIRES', 'STATUS'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
    if (rows.length === 0) this.log(`No tokens on '${registry.name}'`);
    else for (const r of [header, ...rows]) this.log(line(r));
    return { registry: registry.name, tokens: items.map((t) => ({ ...t, status: status(t) })) };
  }
}
