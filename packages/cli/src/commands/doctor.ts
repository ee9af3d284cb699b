import { doctorFlow } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { fail, ok, warn } from '../style.js';

export default class Doctor extends AamCommand {
  static override summary =
    'Check the setup: config files, registries, pinned keys, the policy, opa and GnuPG.';
  static override description = `Each line is ✓ (works), ⚠ (will not work when needed) or ✗ (broken), with the fix.
Checks: the config files in effect and their warnings; each registry answers (HTTP: GET /api/v1 within 5 s;
local: its registry.yaml); the audit-log checkpoint and attestation keys pinned for each HTTP registry; the policy
that will decide (built-in, compiled with policy.modules, or a bundle); opa found; GnuPG found.
Exit 1 when anything is ✗.`;
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json'];

  async run() {
    await this.parse(Doctor);
    const checks = await doctorFlow({ projectDir: process.cwd() });
    for (const c of checks) {
      const mark = c.status === 'ok' ? ok : c.status === 'warn' ? warn : fail;
      this.log(mark(c.message));
      if (c.fix) this.log(`    fix: ${c.fix}`);
    }
    const failed = checks.filter((c) => c.status === 'fail').length;
    const warned = checks.filter((c) => c.status === 'warn').length;
    this.log(`${failed === 0 ? '' : '✗ '}${checks.length} checks: ${failed} failed, ${warned} warnings`);
    const result = { ok: failed === 0, checks };
    if (failed > 0) {
      if (this.jsonEnabled()) this.logJson(result);
      this.exit(1);
    }
    return result;
  }
}
