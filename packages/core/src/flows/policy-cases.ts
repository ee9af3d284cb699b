import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_CONFIG, type SecurityConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import type { PolicyEngine } from '../policy/engine.js';
import type { Facts } from '../policy/facts.js';
import { validatorFor } from '../schemas.js';
import { checkSchema, parseYaml, readYamlFile, throwProblems } from '../yaml-file.js';

/** Reads and validates a facts document (facts/v1, JSON or YAML; `-` is stdin); errors name file, line and key. */
export function readFactsFile(path: string): Facts {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new AamError(
      'USAGE',
      `Cannot read facts from ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  const src = parseYaml(text, path === '-' ? '(stdin)' : path, 'INVALID_FACTS');
  const { errors, warnings } = checkSchema(src, 'facts.v1');
  const problems = [...errors, ...warnings.map((w) => ({ ...w, message: 'unknown key' }))];
  if (problems.length > 0)
    throwProblems('INVALID_FACTS', `Invalid facts in ${src.file} (schema facts/v1)`, problems);
  return src.value as Facts;
}

/** One policy unit case (`aam policy test`): a security config, facts, and the decision expected. */
export interface PolicyCase {
  name?: string;
  config?: Partial<SecurityConfig>;
  facts: unknown;
  expect: { outcome: 'install' | 'warn' | 'fail'; codes?: string[] };
}

export interface PolicyCaseResult {
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

/**
 * `aam policy test DIR`: every case in DIR's YAML and JSON files (one per file, or a list under `cases:`) judged
 * by `engine` (which takes each case's config as data); a case passes when the outcome, and the exact set of
 * reason codes when it names them, are the ones expected. File names are reported relative to `cwd`.
 */
export function runPolicyCases(dir: string, engine: PolicyEngine, cwd = process.cwd()): PolicyCaseResult[] {
  const results: PolicyCaseResult[] = [];
  for (const file of caseFiles(dir)) {
    const doc = readYamlFile(file, 'INVALID_FACTS').value as { cases?: PolicyCase[] } & PolicyCase;
    const cases = Array.isArray(doc?.cases) ? doc.cases : [doc];
    cases.forEach((c, i) =>
      results.push(runCase(engine, relative(cwd, file), c, cases.length > 1 ? i : undefined)),
    );
  }
  return results;
}

function runCase(engine: PolicyEngine, file: string, c: PolicyCase, index?: number): PolicyCaseResult {
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
