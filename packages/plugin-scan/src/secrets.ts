import { readFileSync } from 'node:fs';
import type { Finding, Scanner, ScanReport, ScanTarget, Severity } from '@aam/core/plugin';
import { AamError } from '@aam/core/plugin';
import { createHash } from 'node:crypto';
import { asText, entropy, lineOf, MAX_PER_RULE_AND_FILE, nextTurn } from './text.js';

/** One rule of `rules/secrets.json`. */
export interface SecretRule {
  id: string;
  severity: Severity;
  description: string;
  pattern: string;
  flags?: string;
  /** Minimum Shannon entropy (bits per character) of the matched value. */
  entropy?: number;
}

export interface SecretRuleSet {
  version: string;
  /** Substrings that mark a value as a placeholder (`AKIAIOSFODNN7EXAMPLE`, `<your token>`, `${TOKEN}`). */
  allow: string[];
  rules: SecretRule[];
}

const SEVERITIES = new Set(['critical', 'high', 'medium', 'low']);

/** The rule set shipped in the repository (`packages/plugin-scan/rules/secrets.json`). */
export const DEFAULT_RULES_FILE = new URL('../rules/secrets.json', import.meta.url);

/** Reads and checks a rule set: every rule has an id, a known severity and a pattern that compiles. */
export function loadSecretRules(file: URL | string = DEFAULT_RULES_FILE): SecretRuleSet {
  let doc: SecretRuleSet;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as SecretRuleSet;
  } catch (e) {
    throw new AamError(
      'PLUGIN_ERROR',
      `secrets rules ${String(file)}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const ids = new Set<string>();
  for (const r of doc.rules ?? []) {
    if (typeof r.id !== 'string' || !/^[a-z0-9-]+$/.test(r.id) || ids.has(r.id))
      throw new AamError('PLUGIN_ERROR', `secrets rules: bad or repeated rule id ${JSON.stringify(r.id)}`);
    ids.add(r.id);
    if (!SEVERITIES.has(r.severity))
      throw new AamError(
        'PLUGIN_ERROR',
        `secrets rule ${r.id}: unknown severity ${JSON.stringify(r.severity)}`,
      );
    try {
      new RegExp(r.pattern, `${r.flags ?? ''}g`);
    } catch (e) {
      throw new AamError(
        'PLUGIN_ERROR',
        `secrets rule ${r.id}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  if (!Array.isArray(doc.allow) || typeof doc.version !== 'string')
    throw new AamError('PLUGIN_ERROR', 'secrets rules: a version and an allow list are required');
  return doc;
}

/** Shortest run of printable ASCII read from a binary file (`strings`): every rule's match is longer. */
export const MIN_BINARY_RUN = 16;

/**
 * The printable ASCII runs of at least MIN_BINARY_RUN bytes in a binary file, one per line (as `strings` does):
 * a key pasted into an image or an archive is still ASCII, and random bytes hold almost no such run, so a large
 * binary costs one pass over its bytes instead of one per rule.
 */
export function printableRuns(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return (latin1.match(PRINTABLE_RUN) ?? []).join('\n');
}

const PRINTABLE_RUN = new RegExp(`[\\x20-\\x7e\\t]{${MIN_BINARY_RUN},}`, 'g');

/**
 * Finds tokens and keys in package files: cloud keys, private key blocks, GitHub, npm, Slack, Stripe and aam
 * tokens, and high-entropy values assigned to secret-looking names. Text files are read as UTF-8 (findings name
 * the line); binary files by their printable runs (findings name the file). A finding never carries the value.
 */
export class SecretsScanner implements Scanner {
  readonly name = 'secrets';
  readonly version: string;
  private readonly compiled: { rule: SecretRule; re: RegExp }[];
  private readonly database: string;

  constructor(private readonly rules: SecretRuleSet = loadSecretRules()) {
    this.version = rules.version;
    this.compiled = rules.rules.map((rule) => ({
      rule,
      re: new RegExp(rule.pattern, `${rule.flags ?? ''}g`),
    }));
    this.database = `sha256:${createHash('sha256').update(JSON.stringify(rules)).digest('hex')}`;
  }

  async scan(target: ScanTarget, opts: { signal: AbortSignal }): Promise<ScanReport> {
    const findings: Finding[] = [];
    for (const file of target.files) {
      await nextTurn();
      opts.signal.throwIfAborted();
      const text = asText(file.bytes);
      if (text !== undefined) findings.push(...this.scanText(file.path, text));
      else
        findings.push(...this.scanText(file.path, printableRuns(file.bytes)).map(({ line: _l, ...f }) => f));
    }
    return { findings, database: this.database };
  }

  /** The findings in one file's text. */
  scanText(path: string, text: string): Finding[] {
    const out: Finding[] = [];
    for (const { rule, re } of this.compiled) {
      let n = 0;
      re.lastIndex = 0;
      for (let m = re.exec(text); m && n < MAX_PER_RULE_AND_FILE; m = re.exec(text)) {
        const value = m[1] ?? m[0];
        if (m[0].length === 0) re.lastIndex++;
        if (this.rules.allow.some((a) => value.includes(a))) continue;
        if (rule.entropy !== undefined && entropy(value) < rule.entropy) continue;
        n++;
        out.push({
          rule: rule.id,
          severity: rule.severity,
          path,
          line: lineOf(text, m.index),
          message: `${rule.description} (${value.length} characters; value withheld)`,
        });
      }
    }
    return out;
  }
}
