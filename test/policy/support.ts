import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type SecurityConfig } from '../../packages/core/src/config/types.js';
import { resolvePolicy, policiesDir } from '../../packages/core/src/policy/compile.js';
import { PolicyEngine } from '../../packages/core/src/policy/engine.js';
import type { Decision } from '../../packages/core/src/policy/facts.js';

export interface Vector {
  name: string;
  config: Partial<SecurityConfig>;
  facts: Record<string, unknown>;
  expect: { outcome: string; codes: string[]; verified: boolean };
}

export const VECTORS: Vector[] = (
  JSON.parse(readFileSync(join(policiesDir(), 'aam/trust/testdata/vectors.json'), 'utf8')) as {
    vectors: Vector[];
  }
).vectors;

export function security(partial: Partial<SecurityConfig>): SecurityConfig {
  return { ...DEFAULT_CONFIG.security, ...partial };
}

/** The shipped default WASM, with config passed as data (what users without opa get). */
export async function prebuiltEngine(): Promise<PolicyEngine> {
  const source = await resolvePolicy({ config: DEFAULT_CONFIG, layers: [] });
  if (source.kind !== 'prebuilt') throw new Error(`expected the prebuilt policy, got ${source.kind}`);
  return PolicyEngine.load(source);
}

/** Outcome, the distinct reason codes and `verified`: the shape the vectors and the reference model compare. */
export function summary(d: Decision): { outcome: string; codes: string[]; verified: boolean } {
  return {
    outcome: d.outcome,
    codes: [...new Set(d.reasons.map((r) => r.code))].sort(),
    verified: d.verified,
  };
}
