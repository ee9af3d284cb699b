import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Args } from '@oclif/core';
import { AamError, PolicyEngine, resolvePolicy, runPolicyCases } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { fail, ok } from '../../style.js';

export default class PolicyTest extends AamCommand {
  static override summary = 'Run offline policy unit tests: a folder of {config, facts, expect} cases.';
  static override description = `Each YAML or JSON file in DIR holds one case, or a list under 'cases:':
  name: corp packages need a trusted signer
  config: {require_signature: true, trusted_identities: ["*@corp.example"]}   # the security section
  facts: {...}                     # facts/v1, as 'aam policy eval' takes
  expect: {outcome: fail, codes: [unsigned]}   # codes: optional, the exact set of reason codes
Cases run against the configured policy (enterprise modules included), with each case's config passed as data.
No keys, signatures or network are needed. Exits 1 if any case fails.`;
  static override examples = [
    '<%= config.bin %> policy test',
    '<%= config.bin %> policy test policies/examples/corp/cases',
  ];
  static override args = { dir: Args.string({ description: 'folder of cases', default: 'policy-tests' }) };

  async run() {
    const { args } = await this.parse(PolicyTest);
    const dir = resolve(args.dir);
    if (!existsSync(dir))
      throw new AamError(
        'USAGE',
        `No policy test folder ${dir}: create it with one {config, facts, expect} file per case`,
      );
    const loaded = this.config_();
    const engine = await PolicyEngine.load(
      await resolvePolicy({ config: loaded.config, layers: loaded.layers, configAsData: true }),
    );
    const results = runPolicyCases(dir, engine);
    if (results.length === 0) throw new AamError('USAGE', `No cases in ${dir} (*.yaml, *.yml, *.json)`);
    for (const r of results) {
      if (r.passed) this.log(ok(`${r.name}`));
      else this.log(fail(`${r.name} (${r.file}): ${r.error}`));
    }
    const failed = results.filter((r) => !r.passed).length;
    this.log(`${results.length - failed} passed, ${failed} failed`);
    if (failed > 0) {
      if (this.jsonEnabled()) this.logJson({ passed: results.length - failed, failed, results });
      this.exit(1);
    }
    return { passed: results.length, failed: 0, results };
  }
}
