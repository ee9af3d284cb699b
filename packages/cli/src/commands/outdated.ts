import { Flags } from '@oclif/core';
import { outdatedFlow } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { bold, ok, warn } from '../style.js';

export default class Outdated extends AamCommand {
  static override summary = 'List installed packages whose registry has a newer version.';
  static override description = `For each package in aam-lock.yaml: the installed version, what 'latest' resolves to
in its registry now (yanked versions skipped), and whether that is a newer minor/patch or a new major version.
A version yanked since it was installed is flagged. Reads only; installs nothing. Exit 0 whether or not anything
is outdated (--json for scripts); 1 when no package could be checked (registries unreachable).`;
  static override examples = ['<%= config.bin %> outdated', '<%= config.bin %> outdated --global --json'];
  static override flags = {
    global: Flags.boolean({ char: 'g', description: 'check ~/.aam (AAM_HOME) instead of ./.aam' }),
  };

  async run() {
    const { flags } = await this.parse(Outdated);
    const { config } = this.config_();
    const { packages, failures } = await outdatedFlow({
      config,
      projectDir: process.cwd(),
      global: flags.global,
    });
    const behind = packages.filter((p) => p.update !== 'none' || p.yanked);
    if (packages.length === 0 && failures.length === 0) this.log('No packages installed.');
    else if (behind.length === 0 && failures.length === 0) this.log(ok('Everything is up to date'));
    if (behind.length > 0) {
      const rows = [
        ['Package', 'Current', 'Latest', 'Registry', ''],
        ...behind.map((p) => [
          p.name,
          p.current,
          p.latest,
          p.registry,
          [
            p.update === 'major' ? 'major update' : p.update === 'minor' ? 'update' : '',
            p.yanked ? 'installed version yanked' : '',
          ]
            .filter(Boolean)
            .join(', '),
        ]),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      rows.forEach((r, i) => {
        const line = r
          .map((c, j) => c.padEnd(widths[j]!))
          .join('  ')
          .trimEnd();
        this.log(i === 0 ? bold(line) : line);
      });
    }
    for (const f of failures) process.stderr.write(warn(`${f.name}: cannot check: ${f.error}`) + '\n');
    const result = { packages, outdated: behind.map((p) => p.name), failures };
    // Nothing could be checked: the world refused (exit 1), as for search.
    if (packages.length === 0 && failures.length > 0) {
      if (this.jsonEnabled()) this.logJson(result);
      this.exit(1);
    }
    return result;
  }
}
