import { Args, Flags } from '@oclif/core';
import { verifyInstalledFlow } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { decisionLines } from '../render-decision.js';
import { fail, ok, warn } from '../style.js';

export default class Verify extends AamCommand {
  static override summary = 'Re-check installed packages against the lock file.';
  static override description = `Re-hashes every installed file and compares it with the SHA-256 recorded in
aam-lock.yaml at install time: each file is ok, modified, missing or untracked. Then re-judges the archive the
lock names (from the archive cache, else downloaded again): its checksum, its signatures and the trust policy,
with signatures always judged. Anything but ok, or a policy failure, exits 1.`;
  static override examples = [
    '<%= config.bin %> verify',
    '<%= config.bin %> verify @author/my-package --json',
  ];
  static override strict = false;
  static override args = { name: Args.string({ description: 'installed package name (default: all)' }) };
  static override flags = {
    global: Flags.boolean({ char: 'g', description: 'check ~/.aam (AAM_HOME) instead of ./.aam' }),
  };

  async run() {
    const { argv, flags } = await this.parse(Verify);
    const { config } = this.config_();
    const trust = await this.trustContext({
      verify: true,
      require_signature: config.security.require_signature,
      no_verify: false,
    });
    const results = await verifyInstalledFlow({
      projectDir: process.cwd(),
      names: argv as string[],
      global: flags.global,
      trust,
      registries: config.registries,
      maxArchiveSize: config.limits.max_archive_size,
    });
    if (results.length === 0) this.log('No packages installed.');
    for (const r of results) {
      const id = `${r.name}@${r.version}`;
      const bad = r.files.filter((f) => f.status !== 'ok');
      if (!r.checksumsAvailable) this.log(warn(`${id}: no checksums available`));
      else if (bad.length === 0)
        this.log(ok(`${id}: ${r.files.length} file${r.files.length === 1 ? '' : 's'} ok`));
      else {
        this.log(fail(id));
        for (const f of bad) this.log(`  ${f.status}: ${f.path}`);
      }
      if (r.policyError) this.log(fail(`${id}: cannot judge the archive: ${r.policyError}`));
      if (r.decision && r.facts) {
        const { expected, actual } = r.facts.checksum;
        if (expected.toLowerCase() === actual.toLowerCase()) this.log(ok(`Checksum verified: ${actual}`));
        else this.log(fail(`Checksum verification failed: expected ${expected}, got ${actual}`));
        for (const line of decisionLines(r.decision, r.facts)) this.log(line);
      }
    }
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      if (this.jsonEnabled()) this.logJson({ ok: false, packages: results });
      this.exit(1);
    }
    return { ok: true, packages: results };
  }
}
