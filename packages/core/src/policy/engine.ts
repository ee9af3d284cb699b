import type { SecurityConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import type { PolicySource } from './compile.js';
import type { Decision, Facts } from './facts.js';
import { policyConfig } from './translate.js';

export interface LoadedPolicy {
  evaluate(input: unknown, entrypoint?: string | number): { result: unknown }[];
  setData(data: unknown): void;
  entrypoints: Record<string, number>;
}

interface OpaSdk {
  loadPolicySync(wasm: Uint8Array): LoadedPolicy;
}
let sdk: OpaSdk | undefined;

/** The SDK throws strings and plain objects: always hand back an AamError. */
function normalise(e: unknown, what: string): AamError {
  if (e instanceof AamError) return e;
  const detail = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
  return new AamError('POLICY_ERROR', `${what}: ${detail}`);
}

/**
 * Loads a policy WASM with the OPA SDK (any entrypoints); an SDK failure becomes a POLICY_ERROR.
 * The SDK's default export is its CommonJS module, the only door to `loadPolicySync` (its types omit it). The
 * synchronous load compiles a 200 KB policy in about 6 ms; the asynchronous one first asks whether its argument is
 * a `Response`, and that question alone loads Node's fetch implementation (about 20 ms of a cold start).
 */
export async function loadPolicyWasm(wasm: Uint8Array): Promise<LoadedPolicy> {
  sdk ??= ((await import('@open-policy-agent/opa-wasm')) as unknown as { default: OpaSdk }).default;
  try {
    return sdk.loadPolicySync(wasm);
  } catch (e) {
    throw normalise(e, 'loading the policy WASM failed');
  }
}

const loaded = new Map<string, Promise<LoadedPolicy>>();
const encoder = new TextEncoder();
/** The config data each WASM instance holds now (instances are shared: see `PolicyEngine`). */
const dataIn = new WeakMap<LoadedPolicy, string>();

/**
 * Evaluates facts with a compiled trust policy. Loads each WASM once per process; engines built from the same
 * WASM share its instance, so the data an instance holds is not the engine's state: each engine owns its
 * config and puts it into the instance before each evaluation whenever another engine's config is there.
 * Two engines side by side therefore never decide with each other's config.
 */
export class PolicyEngine {
  /** The config passed as data (prebuilt WASM), as the JSON text `setData` was given; undefined: none. */
  private data?: { key: string; value: unknown };

  private constructor(
    private readonly policy: LoadedPolicy,
    readonly source: PolicySource,
  ) {}

  static async load(source: PolicySource, security?: SecurityConfig): Promise<PolicyEngine> {
    let p = loaded.get(source.hash);
    if (!p) {
      p = loadPolicyWasm(source.wasm).catch((e: unknown) => {
        loaded.delete(source.hash);
        throw e;
      });
      loaded.set(source.hash, p);
    }
    const engine = new PolicyEngine(await p, source);
    for (const e of ['aam/trust/decision', 'aam/trust/explain']) {
      if (!(e in engine.policy.entrypoints))
        throw new AamError('POLICY_ERROR', `The policy has no entrypoint ${e}`);
    }
    if (security) engine.configure(security);
    return engine;
  }

  /**
   * Sets the config this engine decides with, passed as data (prebuilt WASM); only this engine's decisions
   * change. A compiled policy carries its config already.
   */
  configure(security: SecurityConfig): void {
    if (!this.source.configAsData) return;
    const value = { aam: { config: { security: policyConfig(security) } } };
    this.data = { key: JSON.stringify(value), value };
    this.applyData();
  }

  /** Puts this engine's config into the shared instance unless it holds it already (a string compare). */
  private applyData(): void {
    if (!this.data || dataIn.get(this.policy) === this.data.key) return;
    try {
      this.policy.setData(this.data.value);
    } catch (e) {
      dataIn.delete(this.policy);
      throw normalise(e, 'passing the config to the policy failed');
    }
    dataIn.set(this.policy, this.data.key);
  }

  private run(facts: Facts | Record<string, unknown>, entrypoint: string): unknown {
    this.applyData();
    let rs: { result: unknown }[];
    try {
      // Pre-encoded input skips the SDK's per-call TextEncoder; always an object, never "no input".
      rs = this.policy.evaluate(encoder.encode(JSON.stringify(facts ?? {})).buffer, entrypoint);
    } catch (e) {
      throw normalise(e, 'evaluating the policy failed');
    }
    const result = rs[0]?.result;
    // An undefined decision is never a pass.
    if (result === undefined || result === null || typeof result !== 'object') {
      throw new AamError(
        'POLICY_ERROR',
        `The policy returned no ${entrypoint.split('/').pop()} for these facts`,
      );
    }
    return result;
  }

  decide(facts: Facts | Record<string, unknown>): Decision {
    const d = this.run(facts, 'aam/trust/decision') as Decision;
    if (d.outcome !== 'install' && d.outcome !== 'warn' && d.outcome !== 'fail') {
      throw new AamError(
        'POLICY_ERROR',
        `The policy returned an unknown outcome ${JSON.stringify(d.outcome)}`,
      );
    }
    // Only a literal true verifies: a missing or malformed answer is "not verified".
    return { ...d, verified: d.verified === true && d.outcome !== 'fail' };
  }

  explain(facts: Facts | Record<string, unknown>): Record<string, unknown> {
    return this.run(facts, 'aam/trust/explain') as Record<string, unknown>;
  }
}
