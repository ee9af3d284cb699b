import { describe, expect, it } from 'vitest';
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
