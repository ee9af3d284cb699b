import { Flags } from '@oclif/core';
import { printable, readFactsFile, type Decision } from '@aam/core';
import { AamCommand } from '../../base-command.js';
import { fail, ok, warn } from '../../style.js';

interface Row {
  pattern?: unknown;
  key?: string;
  check?: string;
  matched?: boolean;
  passed?: boolean;
  why?: string;
}
interface EvidenceExplanation {
  kind: string;
  index: number;
  type: string;
  valid: boolean;
  errors: string[];
  signer: string;
  trusted: boolean;
  identities: Row[];
  keys: Row[];
  registry: Row[];
}

export default class PolicyEval extends AamCommand {
  static override summary = 'Replay a trust decision from a facts file; --explain says why.';
  static override description = `Evaluates the configured trust policy on FACTS (JSON or YAML, schema
packages/core/schema/facts.v1.schema.json; '-' reads stdin). --explain shows which rule fired, which identity,
key or registry matched each signature, and why every other entry did not. Exits 1 when the outcome is fail.`;
  static override examples = [
    '<%= config.bin %> policy eval --input facts.json',
    '<%= config.bin %> policy eval --input facts.json --explain --json',
  ];
  static override flags = {
    input: Flags.string({ char: 'i', description: "facts file ('-' for stdin)", required: true }),
    explain: Flags.boolean({ description: 'explain the decision rule by rule' }),
  };

  async run() {
    const { flags } = await this.parse(PolicyEval);
    const facts = readFactsFile(flags.input);
    const { engine } = await this.trustContext(facts.request);
    const decision = engine.decide(facts);
    const explanation = flags.explain ? engine.explain(facts) : undefined;
    this.render(decision, explanation);
    if (decision.outcome === 'fail') {
      if (this.jsonEnabled()) this.logJson({ decision, ...(explanation ? { explain: explanation } : {}) });
      this.exit(1);
    }
    return { decision, ...(explanation ? { explain: explanation } : {}) };
  }

  private render(decision: Decision, explanation?: Record<string, unknown>): void {
    this.log(`Outcome: ${decision.outcome}`);
    if (decision.reasons.length === 0) this.log('Reasons: none');
    else this.log('Reasons:');
    for (const r of decision.reasons) {
      const mark =
        r.effect === 'fail' ? fail('') : r.effect === 'warn' ? warn('') : r.effect === 'pass' ? ok('') : '- ';
      this.log(`  ${mark}${printable(`${r.code} (${r.rule}): ${r.message}`)}`);
    }
    if (!explanation) return;
    const cfg = explanation.config as { require_signature: boolean; on_signature_failure: string };
    this.log(
      `Signatures judged: ${explanation.signatures_judged ? 'yes' : 'no'} (require_signature: ${cfg.require_signature}, on_signature_failure: ${cfg.on_signature_failure})`,
    );
    const sum = explanation.checksum as { expected: string; actual: string; match: boolean };
    this.log(`Checksum: ${sum.match ? 'match' : `MISMATCH (expected ${sum.expected}, got ${sum.actual})`}`);
    for (const e of explanation.evidence as EvidenceExplanation[]) {
      this.log(
        `${e.kind} ${e.index}: ${e.type} by ${e.signer}: ${e.valid ? 'valid' : `invalid (${e.errors.join('; ')})`}, ${e.trusted ? 'trusted' : 'not trusted'}`,
      );
      for (const row of e.identities)
        this.log(
          `  ${row.matched ? ok('') : fail('')}identity ${JSON.stringify(row.pattern)}${row.why ? `: ${row.why}` : ''}`,
        );
      for (const row of e.keys)
        this.log(`  ${row.matched ? ok('') : fail('')}key ${row.key}${row.why ? `: ${row.why}` : ''}`);
      for (const row of e.registry) this.log(`  ${row.passed ? ok('') : fail('')}${row.check}`);
      if (e.kind === 'signature' && e.identities.length + e.keys.length === 0)
        this.log('  (no trusted_identities or trusted_keys configured)');
    }
    // In the order the config names them.
    const required = (explanation.config as { require_scans?: string[] }).require_scans ?? [];
    const states = (explanation.scans ?? {}) as Record<string, string>;
    if (required.length > 0)
      this.log(
        `Required scans: ${required.map((name) => `${name} ${states[name] ?? 'missing'}`).join(', ')}`,
      );
    const tofu = explanation.trust_on_first_use as {
      recorded: string[];
      current: string[];
      changed: boolean;
    };
    if (tofu.recorded.length > 0) {
      this.log(
        `Trust on first use: recorded ${tofu.recorded.join(', ')}; now ${tofu.current.join(', ') || 'none'}${tofu.changed ? ' (CHANGED)' : ''}`,
      );
    }
  }
}
