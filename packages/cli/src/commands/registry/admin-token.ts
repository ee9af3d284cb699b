import { Flags } from '@oclif/core';
import { AamError } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { storeFlags, storeOptions } from '../../registry-store-flags.js';
import { warn } from '../../style.js';

export default class RegistryAdminToken extends AamCommand {
  static override summary =
    "Print a new admin token: for AAM_REGISTRY_ADMIN_TOKEN, or minted into a registry's storage.";
  static override description = `Without --storage: prints a fresh, well-formed token and stores it nowhere. Give it to the
registry's first start as AAM_REGISTRY_ADMIN_TOKEN (so the admin token comes from your secret store rather than
the server's output).

With --storage DIR (and --db when the registry uses PostgreSQL): for whoever runs the registry and has lost the
admin token. Opens the registry's database and checkpoint key, checks the audit log, and mints a new token for the
'admin' user (creating it if the first start never finished). The token is recorded in the audit log
(token.create by storage-operator) and expires after --expires-in-days; only its hash is stored. Safe while the
registry runs.`;
  static override examples = [
    'export AAM_REGISTRY_ADMIN_TOKEN="$(<%= config.bin %> registry admin-token)"',
    '<%= config.bin %> registry admin-token --storage ./registry-data',
    '<%= config.bin %> registry admin-token --storage /srv/aam --db postgres://aam@localhost/aam --json',
  ];
  static override flags = {
    ...storeFlags({ storageRequired: false }),
    'expires-in-days': Flags.integer({
      description: 'days until the minted token expires (at most 90)',
      default: 30,
      min: 1,
      max: 90,
    }),
  };

  async run() {
    const { flags } = await this.parse(RegistryAdminToken);
    const server = await import('@aam/registry-server');
    if (!flags.storage) {
      const token = server.newTokenSecret();
      this.log(token);
      return { token, stored: false };
    }
    const store = storeOptions(flags);
    const { existsSync } = await import('node:fs');
    // Never create a database here: an SQLite file must already be the registry's.
    const sqlite = flags.db?.startsWith('sqlite:') ? flags.db.slice('sqlite:'.length) : undefined;
    if (
      !flags.db
        ? !store.storage.startsWith('s3://') && !existsSync(`${flags.storage}/registry.db`)
        : sqlite !== undefined && !existsSync(sqlite)
    )
      throw new AamError(
        'USAGE',
        `${flags.db ? sqlite : flags.storage} holds no registry: give the --storage (and --db) of 'aam registry serve'`,
      );
    const opened = await server.openRegistryStore({ ...store, existing: true });
    try {
      const minted = await server.mintAdminToken(opened.db, opened.audit, {
        expiresInDays: flags['expires-in-days'],
      });
      process.stderr.write(
        warn(
          `New admin token for '${minted.user}' (shown once; keep it secret; recorded in the audit log):`,
        ) + '\n',
      );
      this.log(minted.token);
      return {
        token: minted.token,
        stored: true,
        user: minted.user,
        token_id: minted.token_id,
        expires_at: minted.expires_at,
      };
    } finally {
      await opened.db.close();
    }
  }
}
