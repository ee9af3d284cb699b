import { Args, Flags } from '@oclif/core';
import { verifyInstalledFlow } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { fail, ok, warn } from '../style.js';

export default class Verify extends AamCommand {
  static override summary = 'Re-check installed packages against the lock file.';
  static override description = `Re-hashes every installed file and compares it with the SHA-256 recorded in
aam-lock.yaml at install time. Each file is ok, modified, missing or untracked; anything but ok exits 1.`;
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
    const results = await verifyInstalledFlow({
      projectDir: process.cwd(),
      names: argv as string[],
      global: flags.global,
    });
    if (results.length === 0) this.log('No packages installed.');
    for (const r of results) {
      const id = `${r.name}@${r.version}`;
      if (!r.checksumsAvailable) {
        this.log(warn(`${id}: no checksums available`));
        continue;
      }
      if (r.ok) {
        this.log(ok(`${id}: ${r.files.length} file${r.files.length === 1 ? '' : 's'} ok`));
        continue;
      }
      this.log(fail(`${id}`));
      for (const f of r.files) if (f.status !== 'ok') this.log(`  ${f.status}: ${f.path}`);
    }
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      if (this.jsonEnabled()) this.logJson({ ok: false, packages: results });
      this.exit(1);
    }
    return { ok: true, packages: results };
  }
}
