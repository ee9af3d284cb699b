import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Args } from '@oclif/core';
import {
  AamError,
  DEFAULT_CONFIG,
  PolicyEngine,
  readYamlFile,
  resolvePolicy,
  validatorFor,
  type SecurityConfig,
} from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { fail, ok } from '../../style.js';

interface PolicyCase {
  name?: string;
  config?: Partial<SecurityConfig>;
  facts: unknown;
  expect: { outcome: 'install' | 'warn' | 'fail'; codes?: string[] };
}

interface CaseResult {
  file: string;
  name: string;
  passed: boolean;
  outcome?: string;
  codes?: string[];
  error?: string;
}

function caseFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...caseFiles(p));
    else if (/\.(ya?ml|json)$/.test(name)) out.push(p);
  }
  return out;
}

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
    const results: CaseResult[] = [];
    for (const file of caseFiles(dir)) {
      const doc = readYamlFile(file, 'INVALID_FACTS').value as { cases?: PolicyCase[] } & PolicyCase;
      const cases = Array.isArray(doc?.cases) ? doc.cases : [doc];
      cases.forEach((c, i) =>
        results.push(
          this.runCase(engine, relative(process.cwd(), file), c, cases.length > 1 ? i : undefined),
        ),
      );
    }
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

  private runCase(engine: PolicyEngine, file: string, c: PolicyCase, index?: number): CaseResult {
    const name = c?.name ?? (index === undefined ? file : `${file} #${index + 1}`);
    const base = { file, name };
    if (!c || typeof c !== 'object' || !c.facts || !c.expect?.outcome) {
      return { ...base, passed: false, error: 'a case needs facts and expect.outcome' };
    }
    const validConfig = validatorFor('config');
    if (!validConfig({ security: c.config ?? {} })) {
      return {
        ...base,
        passed: false,
        error: `invalid config: ${validConfig.errors?.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`,
      };
    }
    const validFacts = validatorFor('facts.v1');
    if (!validFacts(c.facts)) {
      return {
        ...base,
        passed: false,
        error: `invalid facts: ${validFacts.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`,
      };
    }
    try {
      engine.configure({ ...DEFAULT_CONFIG.security, ...(c.config ?? {}) });
      const d = engine.decide(c.facts as Record<string, unknown>);
      const codes = [...new Set(d.reasons.map((r) => r.code))].sort();
      const wantCodes = c.expect.codes ? [...new Set(c.expect.codes)].sort() : undefined;
      const passed =
        d.outcome === c.expect.outcome && (wantCodes === undefined || wantCodes.join() === codes.join());
      const error = passed
        ? undefined
        : `expected ${c.expect.outcome}${wantCodes ? ` [${wantCodes.join(', ')}]` : ''}, got ${d.outcome} [${codes.join(', ')}]`;
      return { ...base, passed, outcome: d.outcome, codes, ...(error ? { error } : {}) };
    } catch (e) {
      return { ...base, passed: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
}
