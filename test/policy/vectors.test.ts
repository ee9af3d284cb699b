import { describe, expect, it } from 'vitest';
import { referenceDecision, type ModelConfig, type ModelFacts } from './reference-model.js';
import { prebuiltEngine, security, summary, VECTORS } from './support.js';

// The same vectors `opa test policies/` runs (policies/aam/trust/decision_test.rego), through the Node WASM path.
describe('shared policy vectors through the prebuilt WASM', async () => {
  const engine = await prebuiltEngine();
  it('has the vectors', () => expect(VECTORS.length).toBeGreaterThan(30));
  it.each(VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    engine.configure(security(v.config));
    expect(summary(engine.decide(v.facts))).toEqual(v.expect);
  });
});

// The third party to the agreement: the TypeScript reference model of SPEC §5 gives the same on every vector.
describe('shared policy vectors through the TypeScript reference model', () => {
  it.each(VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const cfg = security(v.config) as unknown as ModelConfig;
    expect(referenceDecision(cfg, v.facts as unknown as ModelFacts)).toEqual(v.expect);
  });
});

describe('the engine fails closed', () => {
  it('a corrupt policy WASM is a POLICY_ERROR, never a decision', async () => {
    const { PolicyEngine } = await import('../../packages/core/src/policy/engine.js');
    const source = {
      kind: 'prebuilt' as const,
      wasm: Buffer.from('not wasm'),
      hash: 'corrupt',
      configAsData: true as const,
      modules: [] as [],
    };
    await expect(PolicyEngine.load(source)).rejects.toMatchObject({
      code: 'POLICY_ERROR',
      message: expect.stringMatching(/loading the policy WASM failed/),
    });
  });

  it('facts that are not an object still get a decision that fails (no checksum)', async () => {
    const engine = await prebuiltEngine();
    engine.configure(security({}));
    expect(engine.decide({} as Record<string, unknown>).outcome).toBe('fail');
  });
});

describe('engines share one WASM instance safely', () => {
  it('two engines side by side each decide with their own config, never the other’s', async () => {
    const { resolvePolicy } = await import('../../packages/core/src/policy/compile.js');
    const { PolicyEngine } = await import('../../packages/core/src/policy/engine.js');
    const { DEFAULT_CONFIG } = await import('../../packages/core/src/config/types.js');
    const source = await resolvePolicy({ config: DEFAULT_CONFIG, layers: [] });
    const strict = await PolicyEngine.load(source, security({ require_signature: true }));
    const lax = await PolicyEngine.load(source, security({ require_signature: false }));
    const unsigned = VECTORS.find((v) =>
      v.name.startsWith('flowchart: require_signature false, no --verify -> INSTALL'),
    )!.facts;
    // Interleaved, and never re-configured: the instance they share holds whichever config was set last.
    for (let i = 0; i < 3; i++) {
      expect(strict.decide(unsigned).outcome).toBe('fail');
      expect(lax.decide(unsigned).outcome).toBe('install');
      expect(lax.explain(unsigned)).toMatchObject({ config: { require_signature: false } });
      expect(strict.explain(unsigned)).toMatchObject({ config: { require_signature: true } });
    }
    // Re-configuring one changes only that one.
    lax.configure(security({ require_signature: true }));
    expect(lax.decide(unsigned).outcome).toBe('fail');
    strict.configure(security({ require_signature: false }));
    expect(strict.decide(unsigned).outcome).toBe('install');
    expect(lax.decide(unsigned).outcome).toBe('fail');
  });
});
