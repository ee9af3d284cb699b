import { Args, Flags } from '@oclif/core';
import {
  AamError,
  formatSize,
  InstallRefusedError,
  installFlow,
  InterruptedError,
  setNetworkInterrupt,
  PolicyRefusedError,
  type InstalledPackage,
  type InstallEvent,
} from '@aam/core';
import { AamCommand, markReported } from '../base-command.js';
import { OutcomeTally, Progress } from '../outcome-summary.js';
import { decisionLines } from '../render-decision.js';
import { bold, dim, fail, ok, warn } from '../style.js';

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
    this.ignoreSignatures = config.security.on_signature_failure === 'ignore';
    if (flags.global) this.log(dim('Operating in global mode (~/.aam/)'));
    this.progress = Progress.forTerminal(this.jsonEnabled());
    // Ctrl-C: the flow stops before anything is written and cleans up; a second Ctrl-C leaves at once (what
    // is left then, the next install puts right).
    const interrupt = new AbortController();
    const onSigint = () => {
      if (interrupt.signal.aborted) {
        process.stderr.write(
          "interrupted again: stopped at once; the next 'aam install' puts the project back\n",
        );
        process.exit(130);
      }
      interrupt.abort();
    };
    process.on('SIGINT', onSigint);
    setNetworkInterrupt(interrupt.signal);
    let result: Awaited<ReturnType<typeof installFlow>>;
    try {
      result = await installFlow({
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
        signal: interrupt.signal,
      });
    } catch (e) {
      this.progress.clear();
      process.off('SIGINT', onSigint);
      if (e instanceof InterruptedError) {
        if (this.jsonEnabled()) this.logJson({ error: { code: e.code, message: e.message } });
        else process.stderr.write(`${e.message}\n`);
        this.exit(130);
      }
      if (e instanceof PolicyRefusedError || e instanceof InstallRefusedError) {
        // Every refused package's ✗ lines are above: end with the summary, not the same reasons again.
        const summary = this.tally.line('passed', 'nothing was installed');
        if (!this.jsonEnabled()) process.stderr.write(fail(summary) + '\n');
        Object.assign(e.details, { summary: this.tally.toJson('passed') });
        markReported(e);
      }
      throw e;
    }
    this.progress.clear();
    process.off('SIGINT', onSigint);
    if (interrupt.signal.aborted) {
      // Past the point of no return the install was finished, not abandoned halfway.
      process.stderr.write('interrupted: the install had already been written, and was completed\n');
      this.exit(130);
    }
    if (result.dryRun) {
      for (const p of result.packages)
        this.log(
          `Dry run: ${p.action === 'unchanged' ? 'already installed' : 'would install'} ${p.name}@${p.version}`,
        );
    }
    const summary = installSummary(result.packages, result.dryRun);
    // When nothing changed, "Everything is up to date" is the summary.
    if (!result.dryRun && result.packages.every((p) => p.action === 'unchanged'))
      this.log(ok('Everything is up to date'));
    else this.log(summary.text);
    return {
      summary: summary.json,
      lockfile: result.lockfile,
      dry_run: result.dryRun,
      packages: result.packages,
      warnings: result.warnings,
    };
  }

  private progress = new Progress(false);
  private ignoreSignatures = false;
  private readonly tally = new OutcomeTally();
  /** With more than one package, each verification block starts with its package and is indented under it. */
  private indent = '';

  /** A line of the current package's block. */
  private block(line: string): void {
    this.progress.clear();
    this.log(this.indent + line);
  }

  private render(e: InstallEvent): void {
    switch (e.$case) {
      case 'resolved':
        this.log(`Resolving ${e.name}@${e.version}...`);
        return;
      case 'warning':
        this.block(warn(e.message));
        return;
      case 'verifying':
        if (e.total > 1) {
          this.progress.clear();
          this.log(bold(`${e.name}@${e.version}`) + dim(` (${e.index}/${e.total})`));
          this.indent = '  ';
        }
        this.progress.update(`Downloading ${e.name}@${e.version} (${e.index}/${e.total})...`);
        return;
      case 'download-progress': {
        const pct = e.size > 0 ? ` ${Math.min(100, Math.floor((e.received / e.size) * 100))}%` : '';
        this.progress.update(
          `Downloading ${e.name}@${e.version} (${e.index}/${e.total})${pct} ${formatSize(e.received)}`,
        );
        return;
      }
      case 'checksum-verified':
        this.block(ok(`Checksum verified: ${e.checksum}`));
        return;
      case 'decided':
        this.tally.recordDecision(`${e.name}@${e.version}`, e.decision);
        for (const line of decisionLines(e.decision, e.facts, {
          attestationsChecked: e.attestationsChecked,
          ignoreSignatures: this.ignoreSignatures,
        }))
          this.block(line);
        return;
      case 'installing':
        this.indent = '';
        if (e.count > 0) this.log('Installing...');
        return;
      case 'installed':
        this.log(ok(`${e.action === 'updated' ? 'Updated' : 'Installed'} ${e.name}@${e.version}`));
        return;
    }
  }
}

/**
 * `Summary: 2 installed, 1 warned (unsigned ×1), 0 refused; 3 up to date`: the one line that ends every
 * install, each package counted once (warned ones were installed, with warnings).
 */
export function installSummary(packages: InstalledPackage[], dryRun: boolean) {
  const tally = new OutcomeTally();
  let upToDate = 0;
  for (const p of packages) {
    if (p.action === 'unchanged') upToDate++;
    else tally.recordDecision(`${p.name}@${p.version}`, p.decision);
  }
  const word = dryRun ? 'would install' : 'installed';
  const tail = [upToDate > 0 ? `${upToDate} up to date` : '', dryRun ? 'dry run: nothing written' : '']
    .filter(Boolean)
    .join('; ');
  return {
    text: tally.line(word, tail || undefined),
    json: { ...tally.toJson(word), up_to_date: upToDate },
  };
}
