import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policiesDir, PublishPolicy } from '../../packages/core/dist/index.js';

interface PublishVector {
  name: string;
  facts: Record<string, unknown>;
  expect: { decision: string; codes: string[] };
}

// The same vectors `opa test policies/` runs (policies/aam/publish/decision_test.rego), through the WASM path the
// registry decides with.
const VECTORS = (
  JSON.parse(readFileSync(join(policiesDir(), 'aam/publish/testdata/vectors.json'), 'utf8')) as {
    vectors: PublishVector[];
  }
).vectors;

describe('the shipped publish policy through the prebuilt WASM', async () => {
  const policy = await PublishPolicy.load();
  it('has the vectors, and names its source by digest', () => {
    expect(VECTORS.length).toBeGreaterThan(15);
    expect(policy.source).toBe('default');
    const rego = readFileSync(join(policiesDir(), 'aam/publish/decision.rego'));
    expect(policy.digest).toBe(`sha256:${createHash('sha256').update(rego).digest('hex')}`);
  });
  it.each(VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const d = policy.decide(v.facts);
    expect({ decision: d.decision, codes: d.reasons.map((r) => r.code).sort() }).toEqual(v.expect);
  });
});

describe('a publish policy that cannot decide is an error, never an accept', () => {
  it('a policy file without a decision, compiled with opa', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'aam-publish-'));
    const file = join(dir, 'p.rego');
    writeFileSync(
      file,
      'package aam.publish\nimport rego.v1\ndecision := {"decision": "maybe", "reasons": []}\n',
    );
    const p = await PublishPolicy.load({ file });
    expect(() => p.decide({ scans: [] })).toThrow(/no valid decision/);
    writeFileSync(
      file,
      'package aam.publish\nimport rego.v1\ndecision := {"decision": "accept"} if input.never\n',
    );
    const q = await PublishPolicy.load({ file });
    expect(() => q.decide({ scans: [] })).toThrow(/no valid decision/);
  });
});
