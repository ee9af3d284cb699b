import { Args, Flags } from '@oclif/core';
import { AamError, installFlow, type InstallEvent } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { decisionLines } from '../render-decision.js';
import { dim, ok, warn } from '../style.js';

export default class Install extends AamCommand {
  static override summary = 'Install packages, verifying every SHA-256 checksum.';
  static override description = `Resolves each SPEC (NAME, NAME@VERSION, NAME@RANGE such as ^1.2.0, or NAME@TAG) and its
dependencies, downloads every archive and verifies its checksum against the registry and the lock file
before anything is written, then extracts safely into .aam/packages/ and updates .aam/aam-lock.yaml.
With no SPEC, installs exactly what the lock file lists, re-verifying every checksum.
A checksum mismatch exits 1 with nothing installed and the lock untouched.`;
  static override examples = [
    '<%= config.bin %> install @author/my-package',
    '<%= config.bin %> install @author/my-package@^1.2.0 other@beta',
    '<%= config.bin %> install --frozen',
  ];
  static override strict = false;
  static override args = { spec: Args.string({ description: 'package spec (NAME[@VERSION|@RANGE|@TAG])' }) };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'only look in this registry' }),
    global: Flags.boolean({ char: 'g', description: 'install into ~/.aam (AAM_HOME) instead of ./.aam' }),
    frozen: Flags.boolean({ description: 'fail if the lock file would change (for CI)' }),
    force: Flags.boolean({ char: 'f', description: 're-extract packages that are already installed' }),
    'dry-run': Flags.boolean({ description: 'resolve, download and verify; write nothing' }),
    verify: Flags.boolean({
      aliases: ['verify-signature'],
      description: 'judge signatures with the trust policy (also when require_signature is false)',
    }),
    'require-signature': Flags.boolean({
      description: 'fail packages that are not signed (as require_signature: true)',
    }),
    'no-verify': Flags.boolean({
      description: 'do not judge signatures; refused when signatures are required',
      exclusive: ['verify', 'require-signature'],
    }),
  };

  async run() {
    const { argv, flags } = await this.parse(Install);
    const overrides = flags['require-signature'] ? { security: { require_signature: true } } : undefined;
    const { config } = this.config_(overrides);
    if (flags['no-verify'] && config.security.require_signature) {
      throw new AamError(
        'USAGE',
        '--no-verify is refused: require_signature is true, and a policy must not be bypassable from the command line',
      );
    }
    const trust = await this.trustContext({
      verify: flags.verify,
      require_signature: config.security.require_signature,
      no_verify: flags['no-verify'],
    });
    if (flags.global) this.log(dim('Operating in global mode (~/.aam/)'));
    const result = await installFlow({
      specs: argv as string[],
      projectDir: process.cwd(),
      config,
      global: flags.global,
      frozen: flags.frozen,
      force: flags.force,
      dryRun: flags['dry-run'],
      ...(flags.registry ? { registry: flags.registry } : {}),
      trust,
      onEvent: (e) => this.render(e),
    });
    if (result.dryRun) {
      for (const p of result.packages)
        this.log(
          `Dry run: ${p.action === 'unchanged' ? 'already installed' : 'would install'} ${p.name}@${p.version}`,
        );
    } else if (result.packages.every((p) => p.action === 'unchanged')) {
      this.log(ok('Everything is up to date'));
    }
    return {
      lockfile: result.lockfile,
      dryRun: result.dryRun,
      packages: result.packages,
      warnings: result.warnings,
    };
  }

  private render(e: InstallEvent): void {
    switch (e.$case) {
      case 'resolved':
        this.log(`Resolving ${e.name}@${e.version}...`);
        return;
      case 'warning':
        this.log(warn(e.message));
        return;
      case 'checksum-verified':
        this.log(ok(`Checksum verified: ${e.checksum}`));
        return;
      case 'decided':
        for (const line of decisionLines(e.decision, e.facts, { attestationsChecked: e.attestationsChecked }))
          this.log(line);
        return;
      case 'installing':
        if (e.count > 0) this.log('Installing...');
        return;
      case 'installed':
        this.log(ok(`${e.action === 'updated' ? 'Updated' : 'Installed'} ${e.name}@${e.version}`));
        return;
    }
  }
}
